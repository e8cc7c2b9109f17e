"""URLs: the exact address to request, and the identity form that one article has however
a page links to it.

Requests go to the URL as given or listed (:func:`request_url`: only its fragment
dropped), since a strict server answers 404 to a rewritten one; a link found by following
pages also loses its session ids, the trap of one story under endless addresses.
Normalising (:func:`normalize_url`) is for identity alone: it always drops session ids,
and keeps undecodable bytes as escapes.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
        "ocid", "cmpid", "ito", "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname",
        "ns_fee", "sr_share", "smid", "smtyp", "taid", "xtor", "at_medium", "at_campaign",
        "ref", "ref_src", "share", "__twitter_impression", "_ga", "spm",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "at_")
# Session ids: one story reached under endless addresses. Always one by these names...
SESSION_PARAMS = frozenset(
    {"jsessionid", "phpsessid", "sessionid", "session_id", "sessid", "aspsessionid", "cfid",
     "cftoken", "zenid", "oscsid"}
)
# ...and "sid"/"s" only when the value looks like a session token (32 or 40 hex digits,
# as PHP and phpBB make them), not a story number, a slug or a search word.
MAYBE_SESSION_PARAMS = frozenset({"sid", "s"})
SESSION_TOKEN = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{40}")
# ";jsessionid=..." and the like, in a path segment
SESSION_SEGMENT = re.compile(r";(?:jsessionid|phpsessid|sessionid|sid)=[^/?#;]*", re.IGNORECASE)
MAX_URL_LENGTH = 2000  # longer URLs are refused: no real article needs one
# URLs that w3lib's canonicalize_url (some 60% of normalize_url's time) leaves as they are,
# but for the order of their query: an ASCII host name, a path and a query of unreserved
# characters only (no escape, no dot segment to resolve). :func:`_simple_canonical` writes
# them directly; tests/test_identity.py checks it against canonicalize_url.
SIMPLE_HOST = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d+)?")
SIMPLE_PATH = re.compile(r"/[A-Za-z0-9\-._~/]*")
SIMPLE_PAIR = re.compile(r"([A-Za-z0-9\-._~]+)=([A-Za-z0-9\-._~]*)")
IDENTITY_CACHE_SIZE = 16_384  # identities remembered (a site's menus link the same pages)


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def _is_session(name: str, value: str) -> bool:
    lowered = name.lower()
    return lowered in SESSION_PARAMS or (
        lowered in MAYBE_SESSION_PARAMS and bool(SESSION_TOKEN.fullmatch(value))
    )


def _keep_params(query: str, drop_tracking: bool) -> str:
    """Drop session (and tracking) parameters from a raw query, leaving the rest byte for byte."""
    kept = []
    for pair in query.split("&") if query else []:
        name, _, value = pair.partition("=")
        decoded = unquote(name.replace("+", " "), errors="replace")
        if _is_session(decoded, value) or (drop_tracking and _is_tracking(decoded)):
            continue
        kept.append(pair)
    return "&".join(kept)


def strip_www(host: str) -> str:
    """Return ``host`` without a leading ``www.``."""
    return host[4:] if host.lower().startswith("www.") else host


def request_url(url: str, *, found: bool = False) -> str:
    """Return the URL to request for ``url``: as given, minus its fragment.

    A link ``found`` by following pages also loses its session ids (``;jsessionid=``,
    ``PHPSESSID=``, a token-like ``sid=``); a URL given or listed (sources file, sitemap,
    feed, ``--url``) keeps them, as its server may know only that address. Nothing else
    changes: no query sorting, no change of escapes, no decoding.
    """
    url = url.strip()
    url = url.split("#", 1)[0]
    if not found or (";" not in url and "?" not in url):
        return url
    parts = urlsplit(url)
    path = SESSION_SEGMENT.sub("", parts.path)
    return urlunsplit((parts.scheme, parts.netloc, path, _keep_params(parts.query, False), ""))


def too_long(url: str) -> bool:
    """Tell whether ``url`` is over MAX_URL_LENGTH characters (refused)."""
    return len(url) > MAX_URL_LENGTH


def normalize_url(url: str, *, keep_www: bool = False) -> str:
    """Return the identity form of ``url``.

    Lower-cased scheme and host, default port dropped, query sorted with tracking
    (``utm_*``, ``fbclid``...) and session (``PHPSESSID``, ``;jsessionid=``...) parameters
    removed, fragment dropped and, unless ``keep_www``, a leading ``www.`` removed so that
    both host forms meet. Escapes of bytes that are not UTF-8 (``%DC``) stay as they are.
    """
    return _normalize(url, keep_www)


@lru_cache(maxsize=IDENTITY_CACHE_SIZE)
def _normalize(url: str, keep_www: bool) -> str:
    parts = urlsplit(url.strip())
    query = _keep_params(parts.query, True)
    host = parts.hostname or ""
    if not keep_www:
        host = strip_www(host)
    netloc, port = host, parts.port
    if port and not ((parts.scheme == "http" and port == 80)
                     or (parts.scheme == "https" and port == 443)):
        netloc = f"{host}:{port}"
    path = SESSION_SEGMENT.sub("", parts.path) or "/"
    scheme = parts.scheme.lower()
    simple = _simple_canonical(scheme, netloc, path, query)
    if simple is not None:
        return simple
    return canonicalize_url(urlunsplit((scheme, netloc, path, query, "")))


def _simple_canonical(scheme: str, netloc: str, path: str, query: str) -> str | None:
    """What canonicalize_url makes of a URL of unreserved characters only (its query
    sorted by name, then value), or None for any other URL."""
    if (scheme not in ("http", "https") or not SIMPLE_HOST.fullmatch(netloc)
            or "xn--" in netloc or not SIMPLE_PATH.fullmatch(path) or "/." in path):
        return None
    url = f"{scheme}://{netloc}{path}"
    if not query:
        return url
    pairs = []
    for pair in query.split("&"):
        match = SIMPLE_PAIR.fullmatch(pair)
        if match is None:
            return None
        pairs.append((match[1], match[2]))
    return url + "?" + "&".join(f"{name}={value}" for name, value in sorted(pairs))


def same_site(url: str, other: str) -> bool:
    """Tell whether two URLs are on the same host, ignoring ``www.`` and the scheme."""
    a, b = urlsplit(url), urlsplit(other)
    return strip_www((a.netloc or "").lower()) == strip_www((b.netloc or "").lower())
