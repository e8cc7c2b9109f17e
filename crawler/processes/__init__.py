"""The crawl's helper processes: the extraction worker pool and the index writer."""
