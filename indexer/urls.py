"""URL normalisation: one identity per article, however a page links to it."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def strip_www(host: str) -> str:
    """Return ``host`` without a leading ``www.``."""
    return host[4:] if host.lower().startswith("www.") else host


def normalize_url(url: str, *, keep_www: bool = False) -> str:
    """Return the identity form of ``url``.

    Lower-cased scheme and host, default port dropped, query sorted with tracking
    parameters (``utm_*``, ``fbclid``...) removed, fragment dropped and, unless
    ``keep_www``, a leading ``www.`` removed so that both host forms meet.
    """
    parts = urlsplit(url.strip())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not _is_tracking(k)])
    host = parts.hostname or ""
    if not keep_www:
        host = strip_www(host)
    netloc = host
    if parts.port and not (
        (parts.scheme == "http" and parts.port == 80)
        or (parts.scheme == "https" and parts.port == 443)
    ):
        netloc = f"{host}:{parts.port}"
    cleaned = urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", query, ""))
    return canonicalize_url(cleaned)


def same_site(url: str, other: str) -> bool:
    """Tell whether two URLs are on the same host, ignoring ``www.`` and the scheme."""
    a, b = urlsplit(url), urlsplit(other)
    return strip_www((a.netloc or "").lower()) == strip_www((b.netloc or "").lower())
