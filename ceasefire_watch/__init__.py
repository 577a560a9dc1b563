"""ceasefire-watch: stream news articles, find ceasefire statements, classify their stance."""

__version__ = "0.1.0"
