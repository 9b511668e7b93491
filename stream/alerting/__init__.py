"""Alerting: tagged paragraphs -> alerts (pure policy plus thin Faust wiring)."""
