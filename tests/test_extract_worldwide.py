"""Metadata of news nobody tuned for: dates in many languages and scripts, clean bylines."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime

import pytest
from lxml.html import fromstring

from crawler.extract import extract_article
from crawler.extraction.bylines import shown_name, split_byline
from crawler.extraction.dates import labelled_date
from crawler.extraction.solar_hijri import to_gregorian
from crawler.extraction.text_dates import month_names, parse_text_date
from tests.conftest import invoke_cli
from tests.test_extract import page, paragraphs

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "language", "expected"),
    [
        ("Опубликовано 14 марта 2024", "ru", date(2024, 3, 14)),
        ("Опубліковано 5 квітня 2023, 10:15", "uk", datetime(2023, 4, 5, 10, 15)),
        ("نشر في 14 مارس 2024", "ar", date(2024, 3, 14)),
        ("١٤ آذار ٢٠٢٤", "ar", date(2024, 3, 14)),  # Levantine month name, Eastern digits
        ("۱۴ مارس ۲۰۲۴", "fa", date(2024, 3, 14)),  # Persian digits
        ("发布时间：2020年6月7日 08:30", "zh", datetime(2020, 6, 7, 8, 30)),
        ("2020年6月7日", "ja", date(2020, 6, 7)),
        ("2024년 3월 14일", "ko", date(2024, 3, 14)),
        ("2024.03.14 10:30", "ko", datetime(2024, 3, 14, 10, 30)),
        ("14 मार्च 2024", "hi", date(2024, 3, 14)),
        ("14 Mart 2024", "tr", date(2024, 3, 14)),
        ("14 marca 2024", "pl", date(2024, 3, 14)),
        ("Publicado el 3 de mayo de 2023", "es", date(2023, 5, 3)),
        ("Pubblicato il 3 maggio 2023", "it", date(2023, 5, 3)),
        ("14 Μαρτίου 2024", "el", date(2024, 3, 14)),
    ],
)
def test_dates_in_many_languages_and_scripts(line, language, expected):
    assert parse_text_date(line, language) == expected


def test_month_names_of_an_undeclared_language_are_not_guessed():
    assert parse_text_date("14 марта 2024") is None  # no language: base languages only
    assert "марта" in month_names("ru-RU")
    assert month_names("xx") == month_names(None)  # unknown language: base table


def test_update_labels_do_not_give_the_publication_date():
    tree = fromstring(
        "<html><body><h1>Головна новина дня</h1><p>Оновлено 5 квітня 2023</p>"
        "<p>Опубліковано 4 квітня 2023</p></body></html>"
    )
    html = page(f"<h1>Tram network grows</h1>{paragraphs()}<p>Publicado el 3 de mayo de 2023</p>")
    assert labelled_date(tree, "uk") == (date(2023, 4, 4), "text")
    article = extract_article(html, "https://example.es/noticia")
    assert article is not None
    assert (article.published, article.published_source) == ("2023-05-03", "text")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("۱۶ آذر ۱۴۰۳", date(2024, 12, 6)),
        ("جمعه ۱۶ آذر ماه ۱۴۰۳ - ۱۰:۳۰", datetime(2024, 12, 6, 10, 30)),
        ("تاریخ انتشار: ۲۲ بهمن ۱۳۵۷", date(1979, 2, 11)),
        ("1 فروردين 1399", date(2020, 3, 20)),  # Arabic yeh in the month name
        ("۳۰ اسفند ۱۴۰۳", date(2025, 3, 20)),  # 1403 is a leap year
    ],
)
def test_solar_hijri_dates_become_gregorian(line, expected):
    assert parse_text_date(line, "fa") == expected


def test_solar_hijri_non_dates_are_not_read():
    assert parse_text_date("۳۰ اسفند ۱۴۰۴", "fa") is None  # 1404 is no leap year
    assert parse_text_date("12 May 1403") is None  # a Gregorian month with a Hijri year
    assert to_gregorian(1700, 1, 1) is None  # outside the years the 33-year cycle holds


def test_persian_page_gives_its_solar_hijri_date():
    body = (
        "<h1>بازگشایی پل تاریخی شهر</h1><div class='date'>۱۶ آذر ۱۴۰۳</div>"
        + paragraphs("شورای شهر روز سه‌شنبه با بازسازی پل تاریخی موافقت کرد.")
    )
    html = page(body).replace("<html>", '<html lang="fa" dir="rtl">')
    article = extract_article(html, "https://example.ir/news/bridge")
    assert article is not None
    assert (article.published, article.published_source) == ("2024-12-06", "text")


def test_htmldate_answers_when_the_page_gives_no_date_of_ours():
    # a date only in a sentence: our rules do not read dates in prose, htmldate's search does
    html = page(
        f"<h1>Tram network grows</h1>{paragraphs(count=14)}"
        "<div class='info'>Artikel vom 12.05.2021</div>"
    )
    article = extract_article(html, "https://example.de/tram")
    assert article is not None
    assert article.published == "2021-05-12"
    assert article.published_source == "htmldate"


def test_local_date_and_offset_are_kept_not_converted():
    head = '<meta property="article:published_time" content="2024-03-14T00:30:00+09:00">'
    article = extract_article(page(f"<h1>Tram</h1>{paragraphs()}", head), "https://example.jp/a")
    assert article is not None
    assert article.published == "2024-03-14T00:30:00+09:00"  # not 2024-03-13 in UTC


@pytest.mark.parametrize(
    "label",
    ["Follow", "Alle Beiträge", "Mehr Themen", "Afficher mon profil complet", "Public Domain"],
)
def test_interface_labels_are_no_authors(label):
    assert split_byline(label, declared=True).authors == []
    assert split_byline(f"Von {label}", min_words=2).authors == []


@pytest.mark.parametrize(
    "raw", ["Redacci&oacute;n", "Redacci&amp;oacute;n", "Redacci;oacute;n", "Redacci; oacute"]
)
def test_html_entities_do_not_split_into_fake_names(raw):
    assert split_byline(raw, declared=True).authors == []
    assert split_byline("Mar&iacute;a L&oacute;pez", declared=True).authors == ["María López"]


@pytest.mark.parametrize(
    "byline", ["Vom Hans Meier", "Eingestellt von Hans Meier", "Erstellt von Hans Meier"]
)
def test_lead_ins_are_cut(byline):
    assert split_byline(byline, min_words=2).authors == ["Hans Meier"]


@pytest.mark.parametrize("byline", ["Hans Meier Alle Artikel", "Hans Meier Stand", "Hans Meier »"])
def test_trailing_interface_words_are_cut(byline):
    assert split_byline(byline, declared=True).authors == ["Hans Meier"]


def test_first_name_gives_way_to_the_full_name_shown():
    tree = fromstring(
        "<html><body><article><p>Posted by Todd</p><p>Todd Bates, press office</p></article>"
        "<footer><p>Todd Other Person</p></footer></body></html>"
    )
    assert shown_name(tree, "Todd") == "Todd Bates"
    ambiguous = fromstring("<html><body><p>Todd Bates</p><p>Todd Miller</p></body></html>")
    assert shown_name(ambiguous, "Todd") == "Todd"


def test_user_handle_gives_way_to_the_display_name_shown():
    html = page(
        '<h1>Tram network grows</h1><div class="author"><a href="/author/christian.stadtfeld">'
        "christian.stadtfeld</a></div><p>Christian Stadtfeld</p>" + paragraphs()
    )
    article = extract_article(html, "https://example.de/tram")
    assert article is not None
    assert article.authors == ["Christian Stadtfeld"]


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("Автор: Ольга Смирнова", ["Ольга Смирнова"]),
        ("Autore: Giulia Bianchi", ["Giulia Bianchi"]),
        ("بقلم: محمد علي", ["محمد علي"]),
        ("Yazar: Ayşe Yılmaz", ["Ayşe Yılmaz"]),
    ],
)
def test_localized_author_labels(byline, expected):
    assert split_byline(byline, min_words=2).authors == expected


def test_russian_page_gives_date_and_author():
    body = (
        '<h1>Набережная откроется летом</h1><div class="byline">Автор: Ольга Смирнова</div>'
        '<div class="dateline">Опубликовано 14 марта 2024</div>'
        + paragraphs("Городской совет во вторник проголосовал за реконструкцию набережной.")
    )
    html = page(body, charset="windows-1251").replace("<html>", '<html lang="ru">')
    article = extract_article(html.encode("cp1251"), "https://example.ru/news/naberezhnaya")
    assert article is not None
    assert article.published == "2024-03-14"
    assert article.authors == ["Ольга Смирнова"]


def test_demo_russian_page_is_archived_with_its_date_and_author(demo_archive):
    data = demo_archive["data"]
    with sqlite3.connect(data / "archive.db") as db:
        (article_id,) = db.execute("select id from articles where language = 'ru'").fetchone()
    shown = invoke_cli(data, "show", article_id, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    article = json.loads(shown.stdout)
    assert article["published"][:10] == "2024-03-14"
    assert article["authors"] == ["Ольга Смирнова"]


def test_initials_in_free_text_are_no_name():
    assert split_byline("Von Amw", min_words=1).authors == []
    assert split_byline("amw", declared=True).authors == ["amw"]  # a declared user name


def test_agency_credited_as_author_is_no_person_in_another_spelling():
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Tram",'
        ' "author": {"@type": "Person", "name": "dpa"}}</script>'
        '<meta name="author" content="Dpa">'
    )
    article = extract_article(page(f"<h1>Tram</h1>{paragraphs()}", head), "https://example.de/a")
    assert article is not None
    assert article.authors == []
    assert article.agencies == ["dpa"]
