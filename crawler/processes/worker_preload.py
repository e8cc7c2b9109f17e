"""Imported by the crawl's fork server only: what every extraction worker needs, loaded once.

Workers fork from the server and share these pages instead of each loading its own copy
on its first page. The language model (about 70 MB) is mapped from a file
(:mod:`crawler.processes.langmodel`): a process holds only the pages of it that it reads,
and the server reads none. The objects loaded are frozen out of the garbage collector's
reach (``gc.freeze``), so a worker's collections do not write to, and copy, the pages it
shares with the server.
"""

import gc

from crawler.extraction import language
from crawler.processes import workers  # noqa: F401  (the extractor and its imports)
from crawler.processes.langmodel import mapped_identifier

# The extractor's identifier, mapped: it would otherwise load its own copy into the heap
# (tests/test_memory.py checks that the extractor uses this one).
language.use_identifier(mapped_identifier())
gc.collect()
gc.freeze()
