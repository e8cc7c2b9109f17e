"""Tests for the date and title rules: dates printed by the headline, kickers, site names."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from lxml.html import fromstring

from crawler.extract import extract_article, extract_with_reason
from crawler.extraction.dates import (
    choose_published,
    find_dates,
    url_date,
    visible_date,
)
from crawler.extraction.html_input import decode_html
from crawler.extraction.page_meta import read_page_meta
from crawler.extraction.text_dates import parse_text_date
from crawler.extraction.titles import pick_title, subheadings, visible_headings

PARAGRAPH = (
    "The city council voted on Tuesday to expand the tram network by twelve kilometres, "
    "a project that officials say will take four years and cost about 300 million euros."
)
TEXT = "".join(f"<p>{PARAGRAPH} Paragraph {i}.</p>" for i in range(4))
NOW = datetime(2026, 1, 1, tzinfo=UTC)
TODAY = NOW.date()


def article_page(body: str, head: str = "", title: str = "Tram network grows") -> str:
    """Build an article page with ``head`` tags and ``body`` before the article text."""
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
        f"<body><nav><a href='/'>Home</a></nav><article>{body}{TEXT}</article></body></html>"
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("29.04.2020, 12:01 Uhr", datetime(2020, 4, 29, 12, 1)),
        ("Stand: 28.04.2020 18:00 Uhr", datetime(2020, 4, 28, 18, 0)),
        ("Erschienen am: 13.10.2021", date(2021, 10, 13)),
        ("18. März 2020", date(2020, 3, 18)),
        ("March 5, 2021 at 3:15 pm", datetime(2021, 3, 5, 15, 15)),
        ("4 de mayo de 2022", date(2022, 5, 4)),
        ("17/02/2022", date(2022, 2, 17)),
        ("31.10.23", date(2023, 10, 31)),
        ("2022-12-12 12:22", datetime(2022, 12, 12, 12, 22)),
        ("Veröffentlicht am 12.03.2020.", date(2020, 3, 12)),  # the sentence's full stop
        ("Stand: 12.03.2020, 24.00 Uhr", date(2020, 3, 12)),  # no such time: the day stands
    ],
)
def test_printed_dates_are_read_day_first(line, expected):
    assert parse_text_date(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "03/04/2021",  # day or month first: ambiguous
        "31.02.2021",
        "Laut der am 28.01.2022 in Kraft getretenen Verordnung dürfen Veranstaltungen wieder "
        "mit bis zu 1500 Zuschauern stattfinden.",  # a date in a sentence is about an event
    ],
)
def test_ambiguous_impossible_or_narrative_dates_are_not_read(line):
    assert parse_text_date(line) is None


def test_date_printed_under_the_headline_is_found():
    tree = fromstring(
        "<div><h1>Tram network grows</h1><p class='meta'><span>Von Anna Berg</span>"
        "<time>29.04.2020, 12:01 Uhr</time></p><p>Text</p></div>"
    )
    assert visible_date(tree, "Tram network grows") == (datetime(2020, 4, 29, 12, 1), "text")


def test_time_element_after_the_headline_keeps_its_zone():
    tree = fromstring(
        '<div><h1>Tram network grows</h1><time datetime="2022-02-03T21:17:12+01:00">'
        "vor 3 Stunden</time></div>"
    )
    value, source = visible_date(tree, "Tram network grows")
    assert value == datetime(2022, 2, 3, 21, 17, 12, tzinfo=timezone(timedelta(hours=1)))
    assert source == "time"


def test_dateline_above_the_headline_and_update_lines():
    above = fromstring("<div><p>Pressemitteilung</p><p>06.12.2022</p><h1>Windpark</h1></div>")
    assert visible_date(above, "Windpark") == (date(2022, 12, 6), "text")
    updated = fromstring(
        "<div><h1>Dead skin</h1><div>Updated Mar 12, 2020</div><p>Text</p><p>Oct 15, 2019</p></div>"
    )
    assert visible_date(updated, "Dead skin") == (date(2019, 10, 15), "text")


def test_headline_is_found_by_the_title_not_the_logo():
    tree = fromstring(
        "<div><h1>Radio One</h1><span>Mittwoch, 26.02.2020</span>"
        "<h2>Die Zukunft der Arbeit</h2><p>01.05.2017</p></div>"
    )
    assert visible_date(tree, "Die Zukunft der Arbeit") == (date(2017, 5, 1), "text")


def test_printed_date_beats_a_generic_meta_date_not_a_declared_one():
    weak = [(date(2021, 10, 15), "meta")]  # <meta name="date">: often the last change
    printed = (date(2021, 10, 13), "text")
    assert choose_published([], None, None, TODAY, weak=weak, visible=printed) == printed
    declared = [(datetime(2019, 10, 19, 3, 0, tzinfo=UTC), "json-ld")]
    same_day = (date(2019, 10, 19), "text")
    assert (
        choose_published(declared, None, None, TODAY, weak=weak, visible=same_day) == (declared[0])
    )
    other_day = (date(2019, 10, 18), "text")
    assert choose_published(declared, None, None, TODAY, visible=other_day) == declared[0]


def test_crawl_day_above_the_headline_is_chrome_below_it_the_articles_date():
    """A fresh article printing today's date under its headline is dated today; the
    current day printed in the page header above the headline is no publication date."""
    day = f"{TODAY.day:02d}.{TODAY.month:02d}.{TODAY.year}"
    chrome = fromstring(f"<div><p>{day}</p><h1>Windpark</h1><p>Text</p></div>")
    assert visible_date(chrome, "Windpark", TODAY) is None
    fresh = fromstring(f"<div><h1>Windpark</h1><p>{day}</p><p>Text</p></div>")
    assert visible_date(fresh, "Windpark", TODAY) == (TODAY, "text")
    assert choose_published([], None, None, TODAY, visible=(TODAY, "text")) == (TODAY, "text")
    assert choose_published([], None, TODAY, TODAY) is None  # a text date anywhere: chrome


def test_page_with_generic_meta_date_and_printed_date():
    head = '<meta name="date" content="2021-10-15">'
    body = "<h1>Tram network grows</h1><p>Erschienen am:</p><p>13.10.2021</p>"
    article = extract_article(article_page(body, head), "https://example.org/news/tram", None)
    assert article is not None
    assert (article.published, article.published_source) == ("2021-10-13", "text")


def test_generic_meta_dates_rank_in_a_fixed_order():
    # the first generic tag in PUBLISHED_META_KEYS order wins, whatever the hash seed
    head = '<meta name="date" content="2021-10-15"><meta name="dc.date" content="2021-10-10">'
    tree = fromstring(article_page("<h1>Tram network grows</h1>", head))
    dates = find_dates(read_page_meta(tree), tree, [], None, NOW)
    assert (dates.published, dates.published_source) == ("2021-10-10", "meta")


def test_url_dates_day_first_only_when_unambiguous():
    assert url_date("https://example.org/meldungen/29-10-2021") == date(2021, 10, 29)
    assert url_date("https://example.org/meldungen/05-06-2021") is None


def test_kicker_before_the_headline_is_dropped():
    head = '<meta property="og:title" content="Daten von Rheinmetall gehackt | Example">'
    for heading in (
        "<h1><span class='kicker'>Interne Unterlagen im Netz</span>"
        "<span>Daten von Rheinmetall gehackt</span></h1>",
        "<h1><span class='kicker'>Interne Unterlagen im Netz</span>"
        "Daten von Rheinmetall gehackt</h1>",
    ):
        article = extract_article(article_page(heading, head), "https://example.org/x")
        assert article is not None
        assert article.title == "Daten von Rheinmetall gehackt"
        assert article.kicker == "Interne Unterlagen im Netz"


@pytest.mark.parametrize(
    ("heading", "head"),
    [
        (
            "<p class='article-dachzeile'>Interne Unterlagen</p><h1>Daten gehackt</h1>",
            '<meta property="og:title" content="Daten gehackt">',
        ),
        (
            "<h1>Daten gehackt</h1>",
            '<meta property="og:title" content="Interne Unterlagen: Daten gehackt">',
        ),
        (  # the kicker split from the headline by a hidden colon is no title
            "<h1><span>Interne Unterlagen<span class='visually-hidden'>:</span></span>"
            "<span>Rheinmetall meldet ein Datenleck</span></h1>",
            '<meta property="og:title" content="Rheinmetall meldet ein Datenleck">',
        ),
    ],
)
def test_kicker_is_kept_apart_from_the_title(heading, head):
    article = extract_article(article_page(heading, head), "https://example.org/x")
    assert article is not None
    assert article.kicker == "Interne Unterlagen"
    assert "Interne" not in article.title


def test_no_kicker_without_one_on_the_page():
    head = '<meta property="og:title" content="Daten von Rheinmetall gehackt">'
    article = extract_article(article_page("<h1>Daten von Rheinmetall gehackt</h1>", head), "")
    assert article is not None
    assert article.kicker == ""


def test_inline_formatting_does_not_split_a_headline():
    tree = fromstring("<div><h1><b>Editor’s Letter:</b><i> bye <b>OC</b> Baby</i></h1></div>")
    assert visible_headings(tree) == ["Editor’s Letter: bye OC Baby"]


def test_screen_reader_headings_are_skipped():
    tree = fromstring(
        "<div><h2 class='screen-reader-text'>Tote Hummeln: Die Erklärung | Hummeln</h2>"
        "<h2>Tote Hummeln</h2></div>"
    )
    assert subheadings(tree) == ["Tote Hummeln"]


def test_headings_hidden_from_everyone_are_skipped():
    tree = fromstring(
        "<div><h1 class='element-invisible'>Ethify</h1><h1 hidden>Menü</h1>"
        "<h1 style='display: none'>Suche</h1><h1 class='hidden-xs'>Vegetarier zu sein</h1></div>"
    )
    assert visible_headings(tree) == ["Vegetarier zu sein"]


def test_hidden_site_name_heading_gives_way_to_the_shown_headline():
    page = article_page(
        "<header><h1 class='element-invisible'>Ethify</h1></header>"
        "<h1>Vegetarier zu sein. Bedarf, Trend oder eigene Entscheidung?</h1>",
        title="Vegetarier zu sein. Bedarf, Trend oder eigene Entscheidung? | Ethify",
    )
    article = extract_article(page, "https://example.org/content/vegetarier")
    assert article is not None
    assert article.title == "Vegetarier zu sein. Bedarf, Trend oder eigene Entscheidung?"


def test_a_site_name_guessed_from_the_headline_shown_is_no_site_name():
    shown = "Vegetarier zu sein. Bedarf, Trend oder eigene Entscheidung?"
    title = pick_title([], [shown], [shown], guessed=[f"{shown} | Ethify"])
    assert title == shown
    # a blog's name shown as its h1 stays a site name, even when longer than the headline
    name = "Literaturgefluester"
    assert pick_title([], [name], [name], guessed=[f"Ins neue Jahr | {name}"]) == "Ins neue Jahr"
    blog = pick_title([], ["Ethify"], ["Ethify"], ["Fleisch ist aus"], ["Fleisch ist aus | Ethify"])
    assert blog == "Fleisch ist aus"
    # a site name with an abbreviation's full stop, shown as the logo's h1, is no sentence
    for site in ("St. Louis Post-Dispatch", "U.S. News & World Report", "Dr. Oetker Welt"):
        title = pick_title([], [site, "Cards win"], [site], guessed=[f"Cards win | {site}"])
        assert title == "Cards win", site


def test_a_shown_heading_rewording_the_declared_title_is_the_headline():
    declared = ["Minions mit Schablonen malen - mit Malerrolle & bunter Farbe"]
    shown = "Minions mit Schablonen malen – mit Malerrolle und bunten Farben"
    assert pick_title(declared, ["Papaganda", shown], ["Papaganda"]) == shown
    reworded = "Auto leasen, finanzieren oder kaufen – was ist günstiger?"
    declared = ["Auto leasen, finanzieren oder kaufen – was lohnt sich?"]
    assert pick_title(declared, [reworded], []) == reworded
    # a heading adding words (a date, a byline line) rewords nothing: the declared title stands
    declared = ["Das vielleicht schönste Ende der Welt: Montauk"]
    assert pick_title(declared, [f"Jun 17 {declared[0]}"], []) == declared[0]
    declared = ["Zuschauerrückkehr bei den Proficlubs der Region"]
    shown = f"{declared[0]} 02.02.2022 • HVW-Verband , Presse , Allgemein"
    assert pick_title(declared, [shown], []) == declared[0]
    guessed = [f"{declared[0]} | HVW - Handballverband Württemberg e.V."]
    assert pick_title(declared, [shown], [], guessed=guessed) == declared[0]
    # a heading sharing a few words only is another text: the declared title stands
    declared = ["Christmas Gift Guide: Geschenke für Zuhause"]
    assert pick_title(declared, ["Unser Newsletter für Zuhause"], []) == declared[0]


def test_blog_name_heading_gives_way_to_the_post_title():
    declared = ["Four Years Remaining » Blog Archive » Interning of Small Integers in Python"]
    title = pick_title(
        [],
        ["Four Years Remaining"],
        [],
        ["Interning of Small Integers in Python", "Leave a comment"],
        guessed=declared,
        fallback=["Four Years Remaining"],
    )
    assert title == "Interning of Small Integers in Python"


def test_heading_in_a_breadcrumb_trail_yields_to_the_article_headline():
    head = (
        '<meta property="og:title" content="Stromausfall: Wie sicher ist das Netz?">'
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "headline": "Ampeln tot: Wie sicher ist Deutschlands Stromnetz?"}</script>'
    )
    trail = (
        "<nav><ol class='{}'><li><a href='/'>Start</a></li>"
        "<li><h1>Stromausfall: Wie sicher ist das Netz?</h1></li></ol></nav>"
    )
    shown = "<h2>Ampeln tot: Wie sicher ist Deutschlands Stromnetz?</h2>"
    for heading in (trail.format("breadcrumb") + shown, trail.format("steps") + shown):
        article = extract_article(article_page(heading, head), "https://example.org/x")
        assert article is not None
        assert article.title == "Ampeln tot: Wie sicher ist Deutschlands Stromnetz?"
    # outside a trail the h1 confirmed by og:title stays the headline
    heading = "<h1>Stromausfall: Wie sicher ist das Netz?</h1>" + shown
    article = extract_article(article_page(heading, head), "https://example.org/x")
    assert article is not None
    assert article.title == "Stromausfall: Wie sicher ist das Netz?"


def test_without_a_confirmed_heading_the_json_ld_headline_goes_before_og_title():
    head = (
        '<meta property="og:title" content="Israel und Gaza: aktuelle News im Nahostkonflikt">'
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "headline": "Israel und Gaza: News im Nahostkonflikt"}</script>'
    )
    heading = "<h1>Krieg in Nahost: Israel schickt Panzer in den Norden von Rafah</h1>"
    article = extract_article(article_page(heading, head), "https://example.org/x")
    assert article is not None
    assert article.title == "Israel und Gaza: News im Nahostkonflikt"


def test_heading_naming_the_site_is_stripped_from_the_title():
    title = pick_title(
        [],
        ["Liebe geht durch den Magen"],
        [],
        guessed=["Rinderleber mit Apfel und Zwiebel | Liebe geht durch den Magen"],
    )
    assert title == "Rinderleber mit Apfel und Zwiebel"


def test_heading_with_an_extra_word_is_still_confirmed():
    heading = "Change Font Size of ggplot2 Plot in R (5 Examples) | Axis Text & Legend"
    declared = ["Change Font Size of ggplot2 Plot in R | Axis Text & Legend"]
    assert pick_title(declared, [heading], ["Statistics Globe"]) == heading


def test_titles_lose_soft_hyphens_and_entities_and_are_nfc():
    assert pick_title([], ["Mes\u00adsen\u00adger sind kein Raum"], []) == ""
    declared = ["Messenger sind kein Raum"]
    assert pick_title(declared, ["Mes\u00adsen\u00adger sind kein Raum"], []) == (
        "Messenger sind kein Raum"
    )
    assert pick_title(["Olive &#038; Herb Focaccia"], [], []) == "Olive & Herb Focaccia"
    assert pick_title(["Cafe\u0301"], [], []) == "Caf\u00e9"


def test_short_page_declaring_an_article_is_kept():
    short = (
        "<p>Ein kurzer Beitrag: heute nichts tun ist auch eine Möglichkeit, sagt sie.</p>"
        "<p>Morgen geht es weiter, mit neuen Ideen und einem Spaziergang am Fluss.</p>"
    )
    html = (
        "<html><head><meta charset='utf-8'>{head}<title>Nichts tun</title></head>"
        f"<body><article><h1>Nichts tun</h1>{short}</article></body></html>"
    )
    declared = html.format(head='<meta property="og:type" content="article">')
    article, reason = extract_with_reason(declared, "https://example.org/2013/06/14/nichts")
    assert reason is None
    assert article is not None
    assert extract_with_reason(html.format(head=""), "https://example.org/x")[0] is None


def test_utf8_declared_as_latin1_and_utf8_with_a_broken_byte():
    text = "<html><head><meta charset='iso-8859-1'></head><body><p>So schön winterlich</p>"
    assert "So schön winterlich" in decode_html(text.encode("utf-8"))
    broken = ("<p>Fundację Lux Veritatis</p>" * 500).encode("utf-8") + b"\xc3("
    decoded = decode_html(b"<meta charset='utf-8'>" + broken)
    assert "Fundację Lux Veritatis" in decoded
    assert decoded.count("\ufffd") == 1


@pytest.mark.integration
def test_extraction_does_not_load_dateparser():
    code = (
        "import sys\n"
        "from crawler.extract import extract_article\n"
        "html = '<html><body><article><h1>Título</h1><p>Jueves 28 de Abril de 2022 5:03 PM</p>'"
        " + '<p>' + 'Texto del artículo con bastantes palabras. ' * 20 + '</p>'"
        " + '</article></body></html>'\n"
        "assert extract_article(html, 'https://example.org/x') is not None\n"
        "print('dateparser' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "False"
