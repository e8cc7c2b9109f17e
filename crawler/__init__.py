"""Gets articles into the archive: sources, the Scrapy spider, extraction, pipelines."""

import logging

logging.getLogger(__name__).addHandler(logging.NullHandler())
