"""Host names as bylines spell them: a byline naming the site's host is the site, not a person."""

from __future__ import annotations

import re
from collections.abc import Iterable

from crawler.extraction.textnorm import squash

# "co" in bbc.co.uk, "net" in abc.net.au: a second-level suffix under a country code
SECOND_LEVEL_LABELS = frozenset(
    {"ac", "co", "com", "edu", "go", "gov", "gv", "ne", "net", "or", "org"}
)
MIN_NAME_IN_HOST = 3  # "Faz" on blog.faz.net


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
    """Tell whether ``name`` is spelled whole by a label of one of ``hosts``: the site, not a
    person ("Telebasel" on telebasel.ch, "Andrea Bottlinger" on andreabottlinger.wordpress.com).

    Only the whole name: a surname that names the site is still a person's ("Steve Forbes"
    on forbes.com, "Peter Stern" on stern.de), and so is a first name that opens a label
    ("Mark" on marketwatch.com).
    """
    key = squash(name)
    return len(key) >= MIN_NAME_IN_HOST and any(
        key == label for host in hosts for label in _host_labels(host)
    )


def spells_site(name: str, names: list[str]) -> bool:
    """Tell whether ``name`` in full spells a host among ``names`` (site names and hosts): a
    blog named after its writer.

    A first name counts in full as the site's name spells it from there ("mady" opening
    "Mady Morrison - Yoga Lifestyle" on madymorrison.com); a full name as it is ("Andrea
    Bottlinger", the page's full name for "Andrea", on andreabottlinger.wordpress.com).
    """
    if " " in name:
        return names_host(name, names)
    if names_host(f"{name}s", names):
        return True  # a plural or possessive "s": "Weinlachgummi" on weinlachgummis.blogspot.com
    opening = re.compile(rf"{re.escape(name)}(?:\s+[^\W\d_][\w'’\-]*)+", re.I)
    for site in names:
        match = opening.match(site)
        words = match[0].split() if match else []
        if any(names_host(" ".join(words[:n]), names) for n in range(2, min(len(words), 3) + 1)):
            return True
    return False
