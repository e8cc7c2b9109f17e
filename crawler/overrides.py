"""``crawl -s KEY=VALUE``: setting overrides, checked against the setting's type up front.

Scrapy reads a setting's value only when a component asks for it, deep inside the crawl:
a mistyped number would surface there as a traceback. Here each value is read once the
way Scrapy will read it (the type of the setting's current default decides), so a bad
one is a one-line usage error before anything starts. Class paths are imported up front
too: in a component setting (one with a ``*_BASE`` twin, such as DOWNLOADER_MIDDLEWARES)
and in a setting whose default is a class (SCHEDULER...).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy.settings import BaseSettings, Settings
from scrapy.utils.misc import load_object


class SettingError(ValueError):
    """A ``-s`` override that is not KEY=VALUE, or whose value the setting cannot take."""


def _defaults() -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    return settings


def _loads(path: str) -> bool:
    """Whether ``path`` names an importable object (a class path, as Scrapy loads it)."""
    try:
        load_object(path)
    except (ImportError, NameError, ValueError, AttributeError, SyntaxError):
        return False
    return True


def _names_a_class(default: Any) -> bool:
    return isinstance(default, str) and "." in default and _loads(default)


def _check_class_paths(defaults: Settings, key: str, value: str) -> None:
    """Raise SettingError when ``value`` names a class Scrapy would fail to import."""
    if f"{key}_BASE" in defaults:  # a component dict: {class path: order}, or {scheme: path}
        parsed = Settings({key: value}).getdict(key)
        paths = [p for p in (*parsed, *parsed.values()) if isinstance(p, str) and "." in p]
    elif _names_a_class(defaults.get(key)):
        paths = [value]
    else:
        return
    for path in paths:
        if not _loads(path):
            raise SettingError(f"-s {key}: cannot import {path!r} (not a class path that exists)")


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
            break
    _check_class_paths(defaults, key, value)


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
