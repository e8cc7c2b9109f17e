"""Imported by the crawl's fork server only: what every extraction worker needs, loaded once.

Workers fork from the server and share these pages instead of each loading its own copy
on its first page. The language model (about 70 MB) is mapped from a file
(:mod:`crawler.processes.langmodel`): a process holds only the pages of it that it reads,
and the server reads none. The objects loaded are frozen out of the garbage collector's
reach (``gc.freeze``), so a worker's collections do not write to, and copy, the pages it
shares with the server.

The tables the libraries build on their first use are built here too (:func:`warm_tables`):
each worker built its own, about 65 MB of them, and again after every recycling.
"""

import gc

from htmldate.extractors import get_external_parser, month_words
from justext.core import define_stoplist
from trafilatura.external import jt_stoplist_init

from crawler.extraction import language
from crawler.extraction.text_dates import month_names
from crawler.processes import workers  # noqa: F401  (the extractor and its imports)
from crawler.processes.langmodel import mapped_identifier


def warm_tables() -> None:
    """Build what the extractor's libraries build lazily and keep for good.

    htmldate's extensive date search (pages without a date of their own) loads every
    dateparser locale and compiles each one's expressions (about 30 MB, seconds); trafilatura's
    justext fallback joins every stop list and justext lower-cases a copy (about 28 MB); the
    month names of the base languages read Babel's locale data.
    """
    month_words()
    get_external_parser().get_date_data("no date here")  # tries, and compiles, every locale
    define_stoplist(jt_stoplist_init())
    month_names(None)


# The extractor's identifier, mapped: it would otherwise load its own copy into the heap
# (tests/test_memory.py checks that the extractor uses this one).
language.use_identifier(mapped_identifier())
warm_tables()
gc.collect()
gc.freeze()
