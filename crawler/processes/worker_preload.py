"""Imported by the crawl's fork server only: what every extraction worker needs, loaded once.

Workers fork from the server and share these pages (the language model alone is about
70 MB) instead of each loading its own copy on its first page.
"""

from crawler.extraction.language import load_model
from crawler.processes import workers  # noqa: F401  (the extractor and its imports)

load_model()
