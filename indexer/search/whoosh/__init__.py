"""Everything that imports Whoosh: the index (``index``: ArchiveIndex), its schema and
text analysis (``schema``), segment writing (``writing``), posting lists and phrases read
the fast way (``postings``, ``phrases``), our query tree as Whoosh queries
(``translate``), matching and collection (``matching``), and the engine (``engine``)."""
