"""WARC files: the writer middleware, import-warc, re-extraction and conditional revisits."""
