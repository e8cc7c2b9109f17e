"""The public entry point of extraction: ``extract_article(html, url)``.

The rules live in :mod:`crawler.extraction`; this module keeps the name that users and
scripts import.
"""

from crawler.extraction.article import (
    DEFAULT_OPTIONS,
    ExtractOptions,
    extract_article,
    extract_with_reason,
    reset_caches,
)

__all__ = [
    "DEFAULT_OPTIONS",
    "ExtractOptions",
    "extract_article",
    "extract_with_reason",
    "reset_caches",
]
