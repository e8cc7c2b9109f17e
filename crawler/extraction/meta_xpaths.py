"""XPath expressions and schema.org type names used to read page metadata (constants only)."""

from __future__ import annotations

from lxml.etree import XPath

META_XPATH = XPath("//meta[@content]")
JSONLD_XPATH = XPath('//script[@type="application/ld+json"]')
CANONICAL_XPATH = XPath(
    '//link[contains(concat(" ", normalize-space(translate(@rel, "CANONIL", "canonil")), " "),'
    ' " canonical ")]/@href'
)

ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "SocialMediaPosting",
        "TechArticle",
        "ScholarlyArticle",
        "Report",
        "Review",
        "CreativeWork",
    }
)
PAGE_TYPES = frozenset({"WebPage", "ItemPage", "AboutPage", "CollectionPage"})

# meta names (lower-cased name/property/itemprop) declaring dates, most trusted first
PUBLISHED_META_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "article.published",
    "published_time",
    "publish-date",
    "publish_date",
    "publishdate",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "dcterms.issued",
    "dc.date.issued",
    "dcterms.created",
    "dc.date.created",
    "dc.date",
    "dcterms.date",
    "date",
    "publication_date",
    "article_date_original",
    "originalpublicationdate",
    "cxenseparse:recs:publishtime",
)
MODIFIED_META_KEYS = (
    "article:modified_time",
    "og:article:modified_time",
    "datemodified",
    "og:updated_time",
    "article.updated",
    "dcterms.modified",
    "dc.date.modified",
    "last-modified",
    "lastmod",
)
# <time>/microdata elements that mark the publication date, most specific first
PUBLISHED_TIME_XPATHS = (
    XPath('//*[@itemprop="datePublished"][not(self::meta)]/@datetime'),
    XPath('//*[@itemprop="datePublished"][not(self::meta)]/@content'),
    XPath("//time[@pubdate]/@datetime"),
    XPath("(//article//time | //header//time)[1]/@datetime"),
    XPath('//time[contains(translate(@class, "PUBLISHED", "published"), "publish")]/@datetime'),
)

# meta names carrying author names (article:author is often a profile URL: those are skipped)
AUTHOR_META_KEYS = (
    "author",
    "article:author",
    "dc.creator",
    "dcterms.creator",
    "parsely-author",
    "sailthru.author",
    "byl",
    "citation_author",
    "og:article:author",
)
# not in comments, footers or navigation, and not hidden ("display: none"; translate() drops
# the space, the last character of its second argument, having no counterpart in the third)
_IN_FLOW = (
    '[not(ancestor-or-self::*[contains(translate(@class, "COMMENT", "comment"), "comment")'
    ' or contains(translate(@id, "COMMENT", "comment"), "comment") or self::footer or self::nav'
    ' or contains(translate(@style, "DISPLAYNOE ", "displaynoe"), "display:none")])]'
)
_AUTHOR_HREF = (
    'contains(@href, "/author/") or contains(@href, "/authors/") or contains(@href, "/autor/")'
    ' or contains(@href, "/autoren/") or contains(@href, "/auteur/") or contains(@href, "/autor-")'
)
# elements naming the author (microdata, author links), most trusted first
AUTHOR_LINK_XPATHS = (
    XPath(
        f'(//*[@itemprop="author"]//*[@itemprop="name"] | //*[@itemprop="author"]'
        f'[not(.//*[@itemprop="name"])][not(self::meta)]){_IN_FLOW}[position() <= 3]'
    ),
    XPath(f"(//a[@rel='author'] | //a[{_AUTHOR_HREF}]){_IN_FLOW}[position() <= 3]"),
)
# a signature: a short paragraph that is all bold or italic and closes a run of paragraphs,
# or a short right-aligned paragraph that does not follow a quote (whose speaker it names);
# translate() drops the space, having no letter for it: "text-align: right" counts too
_ALIGNED_RIGHT = (
    "@align='right' or contains(translate(@style, 'TEXALIGNRH ', 'texalignrh'), 'text-align:right')"
)
SIGNATURE_XPATH = XPath(
    "//p[not(following-sibling::*)][count(preceding-sibling::p) >= 2][count(*) = 1]"
    "[b or strong or em or i][not(text()[normalize-space()])]"
    "[string-length(normalize-space()) < 60]"
    f" | //p[{_ALIGNED_RIGHT}][not(preceding-sibling::*[1][self::blockquote])]"
    "[string-length(normalize-space()) < 60]"
)
IMAGE_META_KEYS = (
    "og:image",
    "og:image:url",
    "og:image:secure_url",
    "twitter:image",
    "twitter:image:src",
)
# the first figures of the article, else of the main column, else of the page
FIGURE_XPATH = XPath("(//article//figure | //main//figure | //figure)[position() <= 5]")
# inside a figure: an element dedicated to the picture credit
IMAGE_CREDIT_XPATH = XPath(
    './/*[@itemprop="copyrightHolder" or @itemprop="creditText" or @itemprop="author"'
    ' or re:test(@class, "(?i)credit|copyright|photographer|source|quelle|urheber")]',
    namespaces={"re": "http://exslt.org/regular-expressions"},
)

# visible headline candidates: the article's h1 first, then any h1 or headline element
HEADING_XPATH = XPath(
    '(//article//h1 | //*[@itemprop="headline"][not(self::meta)] | //main//h1 | //h1)'
    "[position() <= 8]"
)
