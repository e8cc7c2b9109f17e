"""Imported by the crawl's fork server only: what every extraction worker needs, loaded once.

Workers fork from the server and share these pages (the language model alone is about
70 MB) instead of each loading its own copy on its first page.
"""

from crawler import workers  # noqa: F401  (the extractor and its imports)
from crawler.language import load_model

load_model()
