"""Imported by the crawl's fork server only: what every extraction worker needs, loaded once.

Workers fork from the server and share these pages (the language model alone is about
70 MB) instead of each loading its own copy on its first page. The objects loaded are
frozen out of the garbage collector's reach (``gc.freeze``), so a worker's collections do
not write to, and copy, the pages it shares with the server.
"""

import gc

from crawler.extraction.language import load_model
from crawler.processes import workers  # noqa: F401  (the extractor and its imports)

load_model()
gc.collect()
gc.freeze()
