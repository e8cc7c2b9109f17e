"""Lead image of an article and its caption credit (a picture credit, not a text credit)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from crawler.extraction.meta_xpaths import FIGURE_XPATH, IMAGE_CREDIT_XPATH, IMAGE_META_KEYS
from crawler.extraction.page_meta import PageMeta, ld_text

# "Photo: AFP", "Foto: dpa", "© Reuters", "Bild: Keystone", "Credit: Getty Images"
CAPTION_CREDIT_RE = re.compile(
    r"(?:\b(?:photo|photograph|foto|bild|image|picture|credit|crédit|imagen)s?\s*(?::|by|von)\s*|©\s*|\(c\)\s*)"
    r"(?P<credit>[^\n]{2,80}?)\s*\.?\s*$",
    re.I,
)
MAX_CREDIT_CHARS = 120


@dataclass(frozen=True)
class LeadImage:
    """The lead image URL and its credit (text and link) when the page gives one."""

    url: str | None = None
    credit: str | None = None
    credit_url: str | None = None


def _image_src(figure: HtmlElement) -> str | None:
    for img in figure.iter("img", "source"):
        for attr in ("src", "data-src", "data-original", "srcset"):
            value = img.get(attr)
            if value and not value.startswith("data:"):
                return value.split()[0]
    return None


def _basename(url: str) -> str:
    try:
        path = urlsplit(url).path
    except ValueError:  # not a valid URL: compare it whole
        path = url
    return path.rstrip("/").rsplit("/", 1)[-1]


def _pick_figure(figures: list[HtmlElement], image: str | None) -> HtmlElement | None:
    if image:
        wanted = _basename(image)
        for figure in figures:
            src = _image_src(figure)
            if src and _basename(src) == wanted:
                return figure
    return figures[0] if figures else None


def _credit(figure: HtmlElement, base_url: str) -> tuple[str | None, str | None]:
    for element in [*IMAGE_CREDIT_XPATH(figure), *figure.iter("figcaption")]:
        text = " ".join(element.text_content().split())
        if not text:
            continue
        links = [a for a in element.iter("a") if a.get("href")]
        is_credit_element = element.tag != "figcaption"
        only_link = len(links) == 1 and " ".join(links[0].text_content().split()) == text
        match = None if is_credit_element or only_link else CAPTION_CREDIT_RE.search(text)
        if is_credit_element or only_link or match:
            credit = match["credit"] if match else text
            href = _absolute(base_url, links[0].get("href", "")) if links else None
            return credit[:MAX_CREDIT_CHARS], href
    return None, None


def lead_image(page: PageMeta, tree: HtmlElement, base_url: str) -> LeadImage:
    """Find the lead image (og:image, JSON-LD, first figure) and its caption credit."""
    image = page.first(*IMAGE_META_KEYS)
    if not image:
        image = next((ld_text(a.get("image")) for a in page.articles() if a.get("image")), None)
    figure = _pick_figure(FIGURE_XPATH(tree), image)
    if figure is None:
        return LeadImage(_absolute(base_url, image))
    if not image:
        image = _image_src(figure)
    credit, credit_url = _credit(figure, base_url)
    return LeadImage(_absolute(base_url, image), credit, credit_url)


def _absolute(base_url: str, href: str | None) -> str | None:
    """``href`` made absolute; None when it is empty or not a valid URL."""
    if not href:
        return None
    try:
        return urljoin(base_url, href)
    except ValueError:  # e.g. "http://[::1/x.gif": an unclosed IPv6 host
        return None
