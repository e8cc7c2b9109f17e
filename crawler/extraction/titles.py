"""Article headline and kicker: one headline rule.

The headline is the one shown on the page, without site names: the visible main heading
(h1 or itemprop=headline; else an h2/h3) that the publisher's declared titles (og:title,
JSON-LD headline, twitter:title, <title>) confirm best, their words covering most of one of
them. A site name ending a title ("… | Le Monde", or a heading repeated as a title's end
segment) is removed. Without a confirmed heading, the first declared title stands (the
article's JSON-LD headline before its og:title, a title for sharing), site name removed,
else trafilatura's. A heading set in a breadcrumb trail or a navigation bar
(often the search-engine title as the trail's last step) yields to a heading outside it that
repeats another declared title word for word.

A kicker (Dachzeile, overline) is the short line set above the headline: the first part of a
heading split into two ("<h1><span>Tunesien</span><span>Große Aufgaben</span></h1>"), an
element classed as one right before the heading, or the "Kicker: " of a declared title
"Kicker: Headline" whose rest is the headline. It goes to the article's ``kicker``, never
into its title, and is never taken for the headline itself.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

from lxml.etree import XPath
from lxml.html import HtmlElement

from crawler.extraction.flow import PAGE_TAGS
from crawler.extraction.meta_xpaths import HEADING_XPATH
from crawler.extraction.textnorm import squash

SEPARATORS = r"\s+[-|–—:·•»«/~]+\s+|\s*[|•»«]\s*"
SEPARATOR_CHARS = " -|–—:·•»«/~"
WORD_RE = re.compile(r"\w+")
# a full stop ending a sentence: two words or more on each side, the last before it a
# lower-case word ("zu sein. Bedarf, Trend"; not "St. Louis", "U.S. News", "Acme Inc. Online")
SENTENCE_STOP_RE = re.compile(r"\w+\W+[^\W\d_]*[a-zß-ÿ]{2}\.\s+\w+\W+\w")
# soft hyphens and zero-width characters split words in headings but are invisible
INVISIBLE_RE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
MIN_TITLE_CHARS = 3
MAX_HEADING_CHARS = 300
# a heading may have one word in this many that its title lacks ("(5 Examples)")
MAX_EXTRA_WORDS_DIVISOR = 5
# a reworded headline ("bunten Farben" over the title's "bunter Farbe"): one word in two
# may differ, if it covers half of the title
REWORDED_DIVISOR = 2
REWORDED_SHARE = 1 / 2
SUBHEADING_XPATH = XPath("(//h2 | //h3)[position() <= 30]")
# a heading covering this share of a title's letters is taken for the headline
MIN_SHARE = 1 / 3
# children opening a heading that hold a kicker (inline formatting does not)
PART_TAGS = frozenset({"span", "div", "p", "small", "a", "header"})
# headings only screen readers see ("Post navigation", "Navigation und Service"), or none
# (Drupal's "element-invisible"; not a bare "hidden", which "hidden md:block" shows on screens)
HIDDEN_CLASS_RE = re.compile(
    r"screen-reader|sr-only|visually-?hidden|aural|offscreen|element-(?:invisible|hidden)", re.I
)
HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# a breadcrumb trail often ends with the page's title as an h1 ("Home > Politik > <h1>")
CRUMB_RE = re.compile(r"crumb", re.I)
TITLE_XPATH = XPath("//head/title[1]")
KICKER_CLASS_RE = re.compile(
    r"kicker|dachzeile|overline|topline|eyebrow|roofline|spitzmarke|supertitle|pretitle", re.I
)
MAX_KICKER_CHARS = 80
MAX_KICKER_WORDS = 4
HOST_MARK = "."  # marks a host's main label among site keys (squashed keys have no dots)
MIN_HOST_LABEL = 6


def clean_title(text: str) -> str:
    """Return ``text`` unescaped ("&#038;" in JSON-LD), in NFC, without invisible characters."""
    text = INVISIBLE_RE.sub("", html.unescape(text))
    return " ".join(unicodedata.normalize("NFC", text).split())


def _words(text: str) -> set[str]:
    return set(WORD_RE.findall(text.casefold()))


def _is_site(segment: str, names: set[str]) -> bool:
    """Tell whether ``segment`` is a site name, or ends with a host's name ("Die Neue
    Südtiroler Tageszeitung" on tageszeitung.it)."""
    key = squash(segment)
    return bool(key) and any(
        key == name
        or (
            len(name) > 3
            and (key.startswith(name) or name.startswith(key))
            and abs(len(key) - len(name)) <= 4
        )
        or (name.startswith(HOST_MARK) and key.endswith(name[1:]))
        for name in names
    )


def _site_keys(site_names: Iterable[str]) -> set[str]:
    """Squashed site names, and the main label of host names ("tageszeitung.it") marked."""
    names = [name for name in site_names if name]
    keys = {squash(name) for name in names if squash(name)}
    for name in names:
        labels = name.casefold().split(".")
        if len(labels) == 2 and " " not in name and len(squash(labels[0])) >= MIN_HOST_LABEL:
            keys.add(HOST_MARK + squash(labels[0]))
    return keys


def strip_site_name(title: str, site_names: Iterable[str]) -> str:
    """Remove a leading or trailing site name (" - The Moscow Times", "Reuters | ") from a title."""
    title = clean_title(title)
    names = _site_keys(site_names)
    if not names:
        return title
    parts = re.split(f"({SEPARATORS})", title)
    # parts alternates text, separator, text...; drop site-name segments at either end
    while len(parts) >= 3 and _is_site(parts[-1], names):
        parts = parts[:-2]
    while len(parts) >= 3 and _is_site(parts[0], names):
        parts = parts[2:]
    cleaned = "".join(parts).strip()
    return cleaned if len(cleaned) >= MIN_TITLE_CHARS else title


def _confirms(words: set[str], title: set[str]) -> bool:
    """Tell whether a heading's words occur in a title, all but one in five."""
    return len(words - title) <= len(words) // MAX_EXTRA_WORDS_DIVISOR


def _rewords(words: set[str], title: set[str]) -> bool:
    """Tell whether a heading rewords a title: at most one word in two differs, and it swaps
    words rather than adds them ("Jun 17 …" or "… 02.02.2022 • Presse" over a title add)."""
    extra = len(words - title)
    return extra <= len(words) // REWORDED_DIVISOR and extra <= len(title - words) + 1


def _coverage(
    words: set[str],
    declared: Sequence[set[str]],
    accepts: Callable[[set[str], set[str]], bool] = _confirms,
) -> float:
    """Return the largest share of a title's letters that ``words`` cover, 0 if none.

    A heading counts for a title it ``accepts`` (confirms, by default); the more of the
    title it covers, the likelier it is the headline rather than the site or section name.
    """
    shares = [
        sum(map(len, words & title)) / sum(map(len, title))
        for title in declared
        if title and accepts(words, title)
    ]
    return max(shares, default=0.0)


def _best(
    headings: Iterable[str],
    declared: Sequence[set[str]],
    names: set[str],
    min_share: float,
    accepts: Callable[[set[str], set[str]], bool] = _confirms,
) -> tuple[str | None, float]:
    best, best_share = None, 0.0
    for heading in headings:
        heading = clean_title(heading)
        words = _words(heading)
        if not words or len(heading) > MAX_HEADING_CHARS or _is_site(heading, names):
            continue
        share = _coverage(words, declared, accepts)
        if share >= min_share and share > best_share:
            best, best_share = heading, share
    return best, best_share


def confirmed_heading(
    headings: Iterable[str],
    declared: Sequence[str],
    site_names: Iterable[str],
    secondary: Iterable[str] = (),
) -> str | None:
    """Return the heading covering most of a declared title (the first on ties), if any.

    The best main heading (h1) covering at least MIN_SHARE of a title wins; else the best of
    the main headings and of the ``secondary`` ones (h2, h3) covering at least MIN_SHARE;
    else a main heading rewording a title (see _rewords) and covering REWORDED_SHARE of it.
    """
    names = _site_keys(site_names)
    headings = list(headings)
    declared_words = [_words(title) for title in declared]
    main, main_share = _best(headings, declared_words, names, 0.0)
    if main_share >= MIN_SHARE:
        return main
    sub, sub_share = _best(secondary, declared_words, names, MIN_SHARE)
    if sub_share > main_share:
        return sub
    if main is not None:
        return main
    # a heading holding all of a title's words and more adds to it (a date, a byline line)
    adding = {h for h in headings if any(t and t <= _words(h) for t in declared_words)}
    rewording = [h for h in headings if h not in adding]
    return _best(rewording, declared_words, names, REWORDED_SHARE, _rewords)[0]


def _segments(title: str) -> list[str]:
    return [s for s in re.split(SEPARATORS, clean_title(title)) if squash(s)]


def site_segments(
    titles: Sequence[str], headings: Iterable[str], whole: Iterable[str], names: set[str]
) -> list[str]:
    """Return main headings that end a title as its site name.

    "Rinderleber mit Apfel | Liebe geht durch den Magen" over an h1 "Liebe geht durch den
    Magen": that heading is the site's name, not the article's. Not when the heading is the
    title's longest segment or one of the ``whole`` titles the publisher declares (og:title,
    JSON-LD headline), nor when another segment is a known site name (``names``).
    """
    exempt = {squash(clean_title(title)) for title in whole}
    keys = {squash(h): clean_title(h) for h in headings if squash(h) and squash(h) not in exempt}
    found = []
    for segments in map(_segments, titles):
        if len(segments) < 2 or any(_is_site(segment, names) for segment in segments):
            continue
        longest = max(segments, key=len)
        for end in (segments[0], segments[-1]):
            if end != longest and squash(end) in keys:
                found.append(keys[squash(end)])
    return list(dict.fromkeys(found))


def shown_headlines(
    names: Iterable[str], titles: Sequence[str], headings: Iterable[str]
) -> set[str]:
    """Return the site names that are the page's headline: a sentence (a full stop between
    words, which no host name or abbreviation gives) shown as a main heading, the longest
    segment of a title.

    trafilatura guesses a site name from a title's part holding a dot (meant for
    "Spiegel.de"), which also takes "Vegetarier zu sein. Bedarf, Trend?" of "Vegetarier zu
    sein. Bedarf, Trend? | Ethify"; shown as the h1, that part is the headline, not the site.
    """
    shown = {squash(h) for h in headings} - {""}
    longest = {
        squash(max(segments, key=len)) for segments in map(_segments, titles) if len(segments) > 1
    }
    return {
        name for name in names if SENTENCE_STOP_RE.search(name) and squash(name) in shown & longest
    }


def _text(element: HtmlElement) -> str:
    return clean_title(" ".join(element.itertext()))


def _parts(element: HtmlElement) -> list[str]:
    """Return a heading's kicker and headline when it opens with a container holding the kicker.

    "<h1><span>Tunesien</span><span>Große Aufgaben</span></h1>" and "<h1><span>Tunesien</span>
    Große Aufgaben</h1>" give both parts; inline formatting ("<b>Editor's Letter:</b>") and
    text before the first child do not split a heading.
    """
    first = next((child for child in element if isinstance(child.tag, str)), None)
    if first is None or first.tag not in PART_TAGS or (element.text or "").strip():
        return []
    kicker = _text(first)
    rest = clean_title(" ".join(_rest_text(first))).strip(SEPARATOR_CHARS)
    return [kicker, rest] if kicker and rest else []


def _rest_text(first: HtmlElement) -> list[str]:
    """Return the texts after ``first`` inside its parent: its tail, then its siblings'."""
    texts = [first.tail or ""]
    for sibling in first.itersiblings():
        if isinstance(sibling.tag, str):
            texts.append(" ".join(sibling.itertext()))
        texts.append(sibling.tail or "")
    return texts


def in_trail(element: HtmlElement) -> bool:
    """Tell whether ``element`` sits in a navigation bar or a breadcrumb trail."""
    for node in (element, *element.iterancestors()):
        if node.tag in PAGE_TAGS:
            return False
        if node.tag == "nav" or CRUMB_RE.search(f"{node.get('class', '')} {node.get('id', '')}"):
            return True
    return False


def is_hidden(element: HtmlElement) -> bool:
    """Tell whether a heading is not shown: a hidden class, the ``hidden`` attribute, or a
    style that hides it ("display: none")."""
    return (
        element.get("hidden") is not None
        or bool(HIDDEN_CLASS_RE.search(element.get("class") or ""))
        or bool(HIDDEN_STYLE_RE.search(element.get("style") or ""))
    )


def _headings(elements: Iterable[HtmlElement], trail: bool | None = None) -> list[str]:
    """Return the texts of visible headings (``trail``: only those in a trail, or none of them)."""
    candidates: list[str] = []
    for element in elements:
        if is_hidden(element):
            continue
        if trail is not None and in_trail(element) != trail:
            continue
        parts = _parts(element)
        if parts and len(parts[0]) <= len(parts[1]):
            candidates.append(parts[1])  # a kicker, then the headline: the kicker is no title
        elif parts:
            candidates.extend(parts)  # a headline, then a longer subtitle: both may be it
        else:
            candidates.append(_text(element))
    return [c for c in dict.fromkeys(candidates) if c]


def find_kicker(tree: HtmlElement, title: str, declared: Iterable[str | None] = ()) -> str:
    """Return the kicker shown above the headline ``title``, or "" (see the module docstring)."""
    key = squash(title)
    if not key:
        return ""
    for element in (*HEADING_XPATH(tree), *SUBHEADING_XPATH(tree)):
        parts = _parts(element)
        if parts and squash(parts[1]) == key and len(parts[0]) <= len(parts[1]):
            return parts[0].rstrip(SEPARATOR_CHARS)
        if squash(_text(element)) == key:
            before = element.getprevious()
            if before is None and element.getparent() is not None:
                before = element.getparent().getprevious()
            if before is not None and KICKER_CLASS_RE.search(before.get("class") or ""):
                text = _text(before)
                if 0 < len(text) <= MAX_KICKER_CHARS:
                    return text
            break
    for value in declared:
        kicker, _, rest = clean_title(value or "").partition(": ")
        if rest and squash(rest) == key and len(kicker.split()) <= MAX_KICKER_WORDS:
            return kicker
    return ""


def visible_headings(tree: HtmlElement) -> list[str]:
    """Return main headline candidates: the texts of h1 (or itemprop=headline) elements.

    A heading often packs a kicker and the headline in separate children
    ("<h1><span>Tunesien</span><span>Große Aufgaben</span></h1>"): then its parts stand
    for it, the longest (the headline) first. Headings hidden for screen readers are skipped.
    """
    return _headings(HEADING_XPATH(tree))


def trail_headings(tree: HtmlElement) -> list[str]:
    """Return the main headings set in a breadcrumb trail or a navigation bar."""
    return _headings(HEADING_XPATH(tree), trail=True)


def subheadings(tree: HtmlElement) -> list[str]:
    """Return second-rank headline candidates: h2 and h3 texts (a blog's h1 is often its name)."""
    return _headings(SUBHEADING_XPATH(tree), trail=False)


def page_title(tree: HtmlElement) -> str | None:
    """Return the text of the page's <title> element, if any."""
    found = TITLE_XPATH(tree)
    return _text(found[0]) if found else None


def pick_title(
    declared: Iterable[str | None],
    headings: Iterable[str],
    site_names: Iterable[str],
    secondary: Iterable[str] = (),
    guessed: Iterable[str | None] = (),
    fallback: Iterable[str | None] = (),
    trail: Iterable[str] = (),
) -> str:
    """Pick the visible heading best confirmed by the titles, else the first title.

    ``headings`` are main headings (h1), ``secondary`` ones h2 and h3 (see confirmed_heading).
    ``declared`` are the publisher's titles (og:title, JSON-LD headline), ``guessed`` the
    <title>; both confirm headings. ``fallback`` titles (trafilatura's, which may come from a
    heading itself) only stand in when no heading is confirmed. A main heading that ends a
    title without being its longest segment or a declared title is the site name. A ``trail``
    heading (one of ``headings`` set in a breadcrumb trail) yields to a heading outside the
    trail that repeats a declared title word for word.
    """
    given = [t for t in declared if t and t.strip()]
    confirming = [*given, *(t for t in guessed if t and t.strip())]
    headings = list(headings)
    names = list(site_names)
    headline_names = shown_headlines(names, confirming, headings)
    names = [name for name in names if name not in headline_names]
    names += site_segments(confirming, headings, given, _site_keys(names))
    titles = [strip_site_name(t, names) for t in confirming]
    secondary = list(secondary)
    if trail := {squash(t) for t in trail}:
        repeated = {squash(t) for t in titles} - trail
        exact = (h for h in (*headings, *secondary) if squash(h) in repeated)
        if (shown := next(exact, None)) is not None:
            return shown
    heading = confirmed_heading(headings, [*titles, *confirming], names, secondary)
    if heading:
        return heading
    others = [strip_site_name(t, names) for t in fallback if t and t.strip()]
    ordered = [*titles[: len(given)], *others, *titles[len(given) :]]
    return ordered[0] if ordered else ""
