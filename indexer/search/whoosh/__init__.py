"""Everything that imports Whoosh: schema, fast writer, segments, matchers, the index."""
