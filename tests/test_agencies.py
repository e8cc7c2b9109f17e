"""Tests for crawler.extraction.agencies: credit lines, datelines, bylines and photo credits."""

from __future__ import annotations

import pytest

from crawler.extraction.agencies import (
    agencies_in,
    agency_list,
    agency_name,
    credit_line,
    dateline_credit,
    is_photo_credit,
    text_credit,
)
from crawler.extraction.agency_table import AGENCIES
from crawler.extraction.bylines import split_byline

BODY = "The council voted on Tuesday to expand the tram network by twelve kilometres."


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("AFP", "AFP"),
        ("Agence France-Presse", "AFP"),
        ("The Associated Press", "AP"),
        ("Associated Press", "AP"),
        ("Reuters", "Reuters"),
        ("dpa", "dpa"),
        ("Deutsche Presse-Agentur", "dpa"),
        ("EFE", "EFE"),
        ("ANSA", "ANSA"),
        ("Xinhua News Agency", "Xinhua"),
        ("TASS", "TASS"),
        ("Interfax", "Interfax"),
        ("RIA Novosti", "RIA Novosti"),
        ("Kyodo News", "Kyodo"),
        ("Yonhap", "Yonhap"),
        ("United Press International", "UPI"),
        ("PA Media", "PA Media"),
        ("Anadolu Agency", "Anadolu"),
        ("Bloomberg", "Bloomberg"),
        ("KNA", "KNA"),
        ("epd", "epd"),
        ("APA", "APA"),
        ("Keystone-SDA", "Keystone-SDA"),
        ("Belga", "Belga"),
        ("ANP", "ANP"),
        ("Lusa", "Lusa"),
        ("Europa Press", "Europa Press"),
        ("Press Trust of India", "PTI"),
        ("IANS", "IANS"),
        ("Australian Associated Press", "AAP"),
        ("The Canadian Press", "CP"),
    ],
)
def test_agency_names_are_canonical(spelling, expected):
    assert agency_name(spelling) == expected


@pytest.mark.parametrize("text", ["Jane Doe", "The Moscow Times", "ap", "Apple", "Paris", ""])
def test_non_agencies_are_not_agencies(text):
    assert agency_name(text) is None


def test_every_agency_resolves_by_its_own_name():
    for name, aliases in AGENCIES:
        assert agency_name(name) == name
        for alias in aliases:
            assert agency_name(alias) == name, alias


@pytest.mark.parametrize(
    ("line", "agencies"),
    [
        ("AFP contributed reporting.", ["AFP"]),
        ("The Associated Press contributed to this report.", ["AP"]),
        ("Reporting by Jane Doe in Berlin; Editing by John Smith", ["Reuters"]),
        ("With reporting from Reuters and AFP.", ["Reuters", "AFP"]),
        ("Mit Material von dpa und KNA", ["dpa", "KNA"]),
        ("fh/dpa", ["dpa"]),
        ("jwu/AFP, Reuters", ["AFP", "Reuters"]),
        ("(dpa)", ["dpa"]),
        ("Con información de EFE", ["EFE"]),
        ("Avec AFP", ["AFP"]),
        ("Source: Xinhua", ["Xinhua"]),
        ("Copyright 2023 The Associated Press. All rights reserved.", ["AP"]),
        ("With agencies", []),
        ("Jane Doe contributed reporting.", []),
    ],
)
def test_credit_lines(line, agencies):
    credit = credit_line([BODY, BODY, line])
    assert credit is not None
    assert credit.sentence == line
    assert credit.agencies == agencies


def test_ordinary_closing_paragraph_is_no_credit():
    assert credit_line([BODY, "Reuters reported the figures first, the minister said."]) is None


@pytest.mark.parametrize(
    ("first", "agencies"),
    [
        ("MOSCOW (Reuters) - The Kremlin said", ["Reuters"]),
        ("WASHINGTON (AP) — The Senate voted", ["AP"]),
        ("(EFE).- Nicaragua cerró 2021 con una deuda", ["EFE"]),
        ("MANAGUA, 1 feb (EFE).- Nicaragua cerró", ["EFE"]),
        ("Berlin (dpa/AFP) - Die Regierung", ["dpa", "AFP"]),
        ("PARIS /AFP/ - Le gouvernement", ["AFP"]),
        ("SEOUL, Jan. 5 (Yonhap) -- North Korea", ["Yonhap"]),
        ("ROMA (ANSA) - Il governo", ["ANSA"]),
        ("BEIJING, March 3 (Xinhua) -- China", ["Xinhua"]),
        ("KYIV (Interfax-Ukraine) - ", ["Interfax"]),
    ],
)
def test_datelines(first, agencies):
    credit = dateline_credit(first)
    assert credit is not None
    assert credit.agencies == agencies


@pytest.mark.parametrize(
    "first",
    [
        "The council (which met on Tuesday) agreed.",
        "Paris (France) is a city.",
        "He said (AP) stuff",
        "He told the Associated Press (AP).",
        "The minister of transport met the mayors of three cities (AFP) - wrongly",
    ],
)
def test_sentences_are_not_datelines(first):
    assert dateline_credit(first) is None


@pytest.mark.parametrize(
    "caption",
    [
        "Photo: AFP",
        "Foto: dpa",
        "© Reuters",
        "AFP/Getty Images",
        "Picture: AP Photo/Jane Doe",
        "Bild: Keystone-SDA",
        "(c) EPA",
    ],
)
def test_photo_credits_stay_out(caption):
    assert is_photo_credit(caption)
    assert text_credit([BODY, BODY, caption]).agencies == []


def test_text_credit_combines_dateline_and_closing_line():
    credit = text_credit(["BERLIN (dpa) - " + BODY, BODY, "Mit Material von AFP"])
    assert credit.agencies == ["dpa", "AFP"]
    assert credit.sentence == "Mit Material von AFP"


def test_agencies_in_and_agency_list():
    assert agencies_in("Reporting by AFP and the Associated Press") == ["AFP", "AP"]
    assert agency_list("dpa/AFP") == ["dpa", "AFP"]
    assert agency_list("Jane Doe/AFP") is None


@pytest.mark.parametrize(
    ("byline", "authors", "agencies"),
    [
        ("By Jane Doe, Associated Press", ["Jane Doe"], ["AP"]),
        ("Von Anna Schmidt und Peter Müller, dpa", ["Anna Schmidt", "Peter Müller"], ["dpa"]),
        ("By Jane Doe and John Smith, Staff Writers", ["Jane Doe", "John Smith"], []),
        ("Par Marie Curie, AFP", ["Marie Curie"], ["AFP"]),
        ("Reuters", [], ["Reuters"]),
    ],
)
def test_wire_services_in_bylines_go_to_agencies(byline, authors, agencies):
    found = split_byline(byline)
    assert found.authors == authors
    assert found.agencies == agencies


@pytest.mark.parametrize(
    ("byline", "agencies"),
    [("dpa/lno", ["dpa"]), ("dsw / DPA", ["dpa"]), ("JIJI", ["Jiji Press"])],
)
def test_desk_initials_beside_an_agency_are_no_authors(byline, agencies):
    found = split_byline(byline)
    assert found.authors == []
    assert found.agencies == agencies
