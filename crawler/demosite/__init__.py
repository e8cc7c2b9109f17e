"""The bundled demo news site: three fictional outlets on local ports, and their ground truth.

Start it with :class:`DemoSite` (or ``python -m crawler.demosite``); :func:`expected_articles`
says what a crawl of it should archive and :func:`sources_toml` writes the sources file.
"""

from crawler.demosite.manifest import (
    LOOPBACK_SETTINGS,
    expected_articles,
    setting_args,
    sources_toml,
)
from crawler.demosite.server import DemoSite

__all__ = ["LOOPBACK_SETTINGS", "DemoSite", "expected_articles", "setting_args", "sources_toml"]
