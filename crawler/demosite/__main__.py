"""Entry point: ``python -m crawler.demosite`` serves the demo site."""

from __future__ import annotations

from crawler.demosite.server import main

raise SystemExit(main())
