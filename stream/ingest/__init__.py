"""Ingest: articles (files) -> paragraph events on the paragraphs topic."""
