"""Where the indexes written before the layout of issue 17 find their Whoosh classes.

Their saved schema and segment list (pickles) name the field class ``FastText`` and the
codec ``LeanCodec`` by this module, where they were defined: without these names such an
index would not open and would be rebuilt from the store. Nothing else imports this."""

from indexer.search.whoosh.schema import FastText
from indexer.search.whoosh.writing import LeanCodec

__all__ = ["FastText", "LeanCodec"]
