"""``crawl -s KEY=VALUE``: setting overrides, checked against the setting's type up front.

Scrapy reads a setting's value only when a component asks for it, deep inside the crawl:
a mistyped number would surface there as a traceback. Here each value is read once the
way Scrapy will read it (the type of the setting's current default decides), so a bad
one is a one-line usage error before anything starts.
"""

from __future__ import annotations

from collections.abc import Iterable

from scrapy.settings import BaseSettings, Settings


class SettingError(ValueError):
    """A ``-s`` override that is not KEY=VALUE, or whose value the setting cannot take."""


def _defaults() -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    return settings


def _check(defaults: Settings, key: str, value: str) -> None:
    """Raise SettingError when ``value`` cannot be read as ``key``'s type."""
    default = defaults.get(key)
    checks = (  # bool before int: a bool is an int
        (bool, Settings.getbool, "true/false, 1/0"),
        ((int, float), Settings.getfloat, "a number"),
        ((dict, BaseSettings), Settings.getdict, "a JSON object"),
    )
    for kind, read, expected in checks:
        if isinstance(default, kind):
            try:
                read(Settings({key: value}), key)
            except (ValueError, TypeError):
                raise SettingError(f"-s {key}={value!r}: {key} takes {expected}") from None
            return


def parse_overrides(pairs: Iterable[str]) -> dict[str, str]:
    """Return ``{KEY: VALUE}`` for ``KEY=VALUE`` strings; raise SettingError on a bad one."""
    defaults = _defaults()
    overrides: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise SettingError(f"-s expects KEY=VALUE, got {pair!r}")
        _check(defaults, key, value)
        overrides[key] = value
    return overrides
