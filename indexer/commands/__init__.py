"""The command-line commands over the archive (``search_cli.py`` groups them)."""
