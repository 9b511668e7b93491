"""Event-stream monitoring: arms-trade and sanctions tagging of news paragraphs on Kafka."""

__version__ = "0.1.0"
