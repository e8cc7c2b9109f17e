"""Host names as bylines spell them: a byline naming the site's host is the site, not a person."""

from __future__ import annotations

from collections.abc import Iterable

from crawler.extraction.textnorm import squash

# "co" in bbc.co.uk, "net" in abc.net.au: a second-level suffix under a country code
SECOND_LEVEL_LABELS = frozenset(
    {"ac", "co", "com", "edu", "go", "gov", "gv", "ne", "net", "or", "org"}
)
MIN_NAME_IN_HOST = 3  # "Ela" on elavegan.com
MIN_HOST_IN_NAME = 5  # "Daniel Lemire" on lemire.me, not "Zeitler" on zeit.de


def _host_labels(name: str) -> list[str]:
    """Return the labels of a host name without its public suffix ("blog.faz.net": blog, faz)."""
    labels = name.casefold().split(".")
    if len(labels) < 2 or any(ch in name for ch in " /:"):
        return []
    second_level = len(labels) > 2 and len(labels[-1]) == 2 and labels[-2] in SECOND_LEVEL_LABELS
    suffix = 2 if second_level else 1
    return [squash(label) for label in labels[:-suffix] if squash(label) not in ("", "www")]


def domain_keys(names: Iterable[str]) -> set[str]:
    """Return the domain names of the hosts among ``names``: "hausinfo" for "www.hausinfo.ch"."""
    return {labels[-1] for labels in map(_host_labels, names) if labels}


def names_host(name: str, hosts: Iterable[str]) -> bool:
    """Tell whether ``name`` is spelled by a label of one of ``hosts``: the site, not a person.

    "Andrea Bottlinger" on andreabottlinger.wordpress.com, "Mady" on madymorrison.com (a host
    label opening or ending with the name), "Daniel Lemire" on lemire.me (a name ending with a
    host label of five letters or more).
    """
    key = squash(name)
    if len(key) < MIN_NAME_IN_HOST:
        return False
    return any(
        label.startswith(key)
        or label.endswith(key)
        or (len(label) >= MIN_HOST_IN_NAME and key.endswith(label))
        for host in hosts
        for label in _host_labels(host)
    )
