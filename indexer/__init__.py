"""Newsdesk write side: files -> Article records -> Whoosh index."""

__version__ = "0.1.0"
