"""The tantivy engine: an archive's index in tantivy (the Rust library, through its
Python bindings), with our own terms (:mod:`indexer.search.terms`), so that it finds what
the Whoosh engine finds for the same query.

- :mod:`~indexer.search.tantivy.schema`: the fields and the document of an article;
- :mod:`~indexer.search.tantivy.writing`: :class:`TantivyIndex`, the writer;
- :mod:`~indexer.search.tantivy.grams`: the index's common words and their pairs, for
  fast phrases of common words;
- :mod:`~indexer.search.tantivy.translate`: our query tree as a tantivy query;
- :mod:`~indexer.search.tantivy.engine`: the :class:`~indexer.search.engine.SearchEngine`.
"""
