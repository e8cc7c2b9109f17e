"""The archive: the article record, the SQLite store, the Whoosh index, search, rendering, export.

Knows nothing about crawling; ``crawler`` writes into it through :mod:`indexer.store`.
"""

import logging

logging.getLogger(__name__).addHandler(logging.NullHandler())
