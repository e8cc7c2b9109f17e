"""Test-only web sites served on 127.0.0.1 (hostile pages, traps, replays)."""
