"""Bylines: a blog named after its writer is the site, a press release's contact is its author."""

from __future__ import annotations

from lxml import html

from crawler.extraction.bylines import Byline, find_byline
from crawler.extraction.page_meta import read_page_meta
from crawler.extraction.signatures import contact_names
from tests.test_extract import page


def _byline(body: str, head: str = "", fallback: str | None = None, exclude=()) -> Byline:
    tree = html.fromstring(page(body, head))
    return find_byline(read_page_meta(tree), tree, fallback, exclude)


def test_first_name_whose_full_name_spells_the_host_is_the_site():
    body = "<article><p>Posted by Andrea</p><p>Some text.</p></article><p>© Andrea Bottlinger</p>"
    blog = ["andreabottlinger.wordpress.com"]
    assert _byline(body, exclude=blog).authors == []
    # the same first name on another host is the writer, in full as the page shows it
    assert _byline(body, exclude=["example.org"]).authors == ["Andrea Bottlinger"]


def test_first_name_opening_a_site_name_that_spells_the_host_is_the_site():
    head = '<meta name="author" content="mady">'
    site = ["Mady Morrison - Yoga Lifestyle", "madymorrison.com"]
    assert _byline("<p>Some text.</p>", head, exclude=site).authors == []
    # a site name opening with the first name but spelling another host names nobody's site
    other = ["Mady Morrison - Yoga Lifestyle", "yoga.example"]
    assert _byline("<p>Some text.</p>", head, exclude=other).authors == ["mady"]
    # "Mark" on marketwatch.com stays a person: no site name opens "Mark <Name>" there
    meta = '<meta name="author" content="Mark">'
    assert _byline("<p>x</p>", meta, exclude=["MarketWatch", "marketwatch.com"]).authors == [
        "Mark"
    ]


def test_name_the_host_spells_with_a_plural_s_is_the_site_and_ends_the_search():
    # the blog's own name in its byline: the page names no person, not the next "by" below
    body = (
        '<p>Eingestellt von <a rel="author" href="/u/1">Weinlachgummi</a></p><p>Text.</p>'
        '<ul><li class="author">by Akira Arenth</li></ul>'
    )
    blog = ["weinlachgummis.blogspot.com"]
    assert _byline(body, exclude=blog).authors == []
    assert _byline(body, exclude=["books.example"]).authors == ["Weinlachgummi"]


def test_press_contact_is_the_author_of_a_release_without_byline():
    body = (
        "<article><p>Die Umfrage zeigt viel.</p>"
        "<p><strong>Pressekontakt</strong><br>Dr. Tim Loppe<br>Pressesprecher<br>"
        "Tel.: 0211 123</p></article>"
    )
    assert _byline(body).authors == ["Dr. Tim Loppe"]
    label_alone = "<p>Text.</p><div>Kontakt:</div><p>Jan Koch<br>Telefon 040 123</p>"
    assert _byline(label_alone).authors == ["Jan Koch"]
    english = "<p>Text.</p><p>Media contact:<br>Jane Miller<br>+1 555 0100</p>"
    assert _byline(english).authors == ["Jane Miller"]


def test_press_contact_gives_way_to_a_byline_and_is_not_taken_from_sidebars():
    body = "<p>Von Anna Weber</p><p>Text.</p><p><b>Pressekontakt</b><br>Jan Koch</p>"
    assert _byline(body).authors == ["Anna Weber"]
    sidebar = "<p>Text.</p><aside><h6>Kontakt</h6><h5>Sabrina Pfeifer</h5></aside>"
    assert _byline(sidebar).authors == []
    footer = "<p>Text.</p><footer><p>Kontakt<br>Sabrina Pfeifer</p></footer>"
    assert _byline(footer).authors == []
    # a label followed by no name, or by an organisation, names nobody
    assert _byline("<p>Text.</p><p>Kontakt:<br>Stadtwerke Musterstadt GmbH</p>").authors == []
    assert contact_names(html.fromstring(page("<p>Kontaktformular</p><p>Jan Koch</p>"))) == []


def test_closing_name_and_office_lines_sign_the_statement():
    body = (
        "<div><p>Liebe Gemeinde,</p><p>wir wünschen allen ein gesegnetes Fest.</p>"
        "<p>Kazım TÜRKMEN<br>DITIB-Bundesvorsitzender</p></div>"
    )
    assert _byline(body).authors == ["Kazım TÜRKMEN"]
    english = (
        "<div><p>Dear members,</p><p>we thank you.</p><p>Jane Miller<br>Chief Executive Officer</p>"
        "</div>"
    )
    assert _byline(english).authors == ["Jane Miller"]
    # a second line naming no office (an address, a greeting), or a paragraph not closing, is
    # no signature
    address = "<div><p>A.</p><p>B.</p><p>Jane Miller<br>Main Street 5</p></div>"
    assert _byline(address).authors == []
    not_last = "<div><p>A.</p><p>B.</p><p>Jane Miller<br>Director</p><p>More text.</p></div>"
    assert _byline(not_last).authors == []


def test_copyright_paragraph_naming_a_person_credits_the_text():
    body = "<div><p>Der Text.</p><p>Mehr Text.</p><p>© 2019 Sven Schreivogel</p></div>"
    assert _byline(body).authors == ["Sven Schreivogel"]
    assert _byline("<p>Text.</p><p>(c) Johannes Wolf • Weitere Rechte</p>").authors == [
        "Johannes Wolf"
    ]
    # a picture's credit, a company, a byline above, or a footer's line are not the text's
    figure = (
        "<p>Text.</p><figure><img src='a.jpg'><figcaption><p>© BART DEWAELE</p></figcaption>"
        "</figure>"
    )
    assert _byline(figure).authors == []
    assert _byline("<p>Text.</p><p>© 2021 Hanns-Seidel-Stiftung</p>").authors == []
    assert _byline("<p>Text.</p><p>© 2020 Muster Verlag GmbH</p>").authors == []
    assert _byline("<p>Von Anna Weber</p><p>Text.</p><p>© 2019 Sven Schreivogel</p>").authors == [
        "Anna Weber"
    ]
    assert _byline("<p>Text.</p><footer><p>© 2019 Sven Schreivogel</p></footer>").authors == []


def test_signatures_contacts_and_credits_are_not_read_from_page_furniture():
    # sidebars and footers built of divs, named by class or id, are not the article
    sidebar = '<p>Text.</p><div class="sidebar-right"><p>Kontakt<br>Sabrina Pfeifer</p></div>'
    assert _byline(sidebar).authors == []
    footer = '<p>Text.</p><div id="footer"><p>© 2024 Sabrina Pfeifer</p></div>'
    assert _byline(footer).authors == []
    closing = (
        "<p>A.</p><p>B.</p><div class='site-footer'><p>x</p><p>y</p>"
        "<p>Max Mustermann<br>Geschäftsführer</p></div>"
    )
    assert _byline(closing).authors == []
    # an office is a word of its own (or a compound's last part after Bundes-, Landes-...)
    for line in ("Lautsprecher-Test", "wheelchair user"):
        body = f"<div><p>A.</p><p>B.</p><p>Anna Schmidt<br>{line}</p></div>"
        assert _byline(body).authors == [], line
    # a layout's class on <body> ("right-sidebar") does not make the whole page furniture
    layout = "<p>Text.</p><p>More.</p><p>(c) Johannes Wolf • Weitere Rechte</p>"
    tree = html.fromstring(page(layout).replace("<body>", '<body class="right-sidebar">'))
    assert find_byline(read_page_meta(tree), tree, None, ()).authors == ["Johannes Wolf"]
