"""Entry point: ``python -m crawler.demosite`` serves the demo site."""

from crawler.demosite.server import main

raise SystemExit(main())
