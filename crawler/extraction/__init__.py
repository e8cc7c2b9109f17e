"""Pure extraction: (html, url, options) -> Article. No Scrapy, no I/O, no state between pages."""
