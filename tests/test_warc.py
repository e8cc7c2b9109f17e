"""WARC: a crawl records every response, warcio reads it back, and it re-extracts the same."""

from __future__ import annotations

import gzip
import json
import sqlite3
import urllib.request
from collections import Counter
from io import BytesIO
from pathlib import Path

from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.processes.workers import extract_page
from crawler.warc.reextract import raw_page
from crawler.warc.writer import RollingWarcWriter
from indexer.schema import fingerprint
from indexer.store import Archive
from indexer.warcfile import WarcLocation, iter_responses, read_response
from search_cli import cli
from tests.sites.hostile import article_html, prose


def _records(folder: Path) -> list[tuple[str, str, str | None, str | None]]:
    """(type, target URI, concurrent-to, IP) of every record of every WARC file, by warcio."""
    found = []
    for path in sorted(folder.glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                headers = record.rec_headers
                found.append((record.rec_type, headers.get_header("WARC-Target-URI"),
                              headers.get_header("WARC-Concurrent-To"),
                              headers.get_header("WARC-IP-Address")))
    return found


def test_crawl_writes_every_response_and_request(demo_archive: dict) -> None:
    folder = demo_archive["data"] / "warc"
    records = _records(folder)
    kinds = Counter(kind for kind, _, _, _ in records)
    assert kinds["response"] == kinds["request"] > len(demo_archive["urls"])
    assert kinds["warcinfo"] == len(list(folder.glob("*.warc.gz")))
    responses = {uri for kind, uri, _, _ in records if kind == "response"}
    assert any(uri.endswith(("feed.xml", "atom.xml", "/rss")) for uri in responses)  # feeds
    assert any("sitemap" in uri for uri in responses)  # sitemaps
    with sqlite3.connect(demo_archive["data"] / "archive.db") as db:
        fetched = {url for (url,) in db.execute("select fetched_url from articles")}
    assert fetched <= responses  # every article page, at the address it was fetched from
    assert all(to for kind, _, to, _ in records if kind == "request")  # paired with a response
    assert {ip for kind, _, _, ip in records if kind == "response"} == {"127.0.0.1"}


def test_store_points_at_each_article_response(demo_archive: dict) -> None:
    with Archive(demo_archive["data"] / "archive.db") as archive:
        rows = list(archive.db.query("select * from pages"))
        assert len(rows) == archive.count()
        assert all(row["warc_file"] and row["body"] is None for row in rows)
        for article in archive.iter_articles():
            location = archive.page_location(article.id)
            assert location is not None
            response = read_response(archive.warc_dir, location)
            assert response.status == 200
            assert response.url == article.fetched_url


def test_warc_round_trip_reextracts_the_same_articles(demo_archive: dict) -> None:
    with Archive(demo_archive["data"] / "archive.db") as archive:
        articles = list(archive.iter_articles())
        for stored in articles:
            page = raw_page(archive, stored)
            assert page is not None
            body, encoding = page
            again, reason = extract_page(body, encoding, stored.fetched_url)
            assert again is not None, reason
            again.source, again.fetched_at = stored.source, stored.fetched_at
            assert fingerprint(again) == fingerprint(stored), stored.url


def test_raw_prints_the_page_as_served(demo_archive: dict, demo_site: dict) -> None:
    with Archive(demo_archive["data"] / "archive.db") as archive:
        article = next(a for a in archive.iter_articles() if a.source == "ledger")
    result = CliRunner().invoke(cli, ["--data", str(demo_archive["data"]), "raw", article.url])
    assert result.exit_code == 0, result.stderr
    with urllib.request.urlopen(article.fetched_url) as served:
        assert result.stdout_bytes == served.read()


def test_raw_of_unknown_article_is_a_user_error(demo_archive: dict) -> None:
    result = CliRunner().invoke(cli, ["--data", str(demo_archive["data"]), "raw", "0" * 16])
    assert result.exit_code == 1
    assert "no article" in result.stderr


def test_writer_rolls_files_by_size_and_every_record_reads_back(tmp_path: Path) -> None:
    writer = RollingWarcWriter(tmp_path, max_size=2_000)
    bodies = {f"https://news.example/{n}": f"<html><p>page {n}</p>".encode() * 40
              for n in range(12)}
    locations: dict[str, WarcLocation] = {}
    for url, body in bodies.items():
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        locations[url] = writer.write_response(url, headers, body)
    writer.close()
    assert len(list(tmp_path.glob("*.warc.gz"))) > 1
    for url, location in locations.items():
        assert read_response(tmp_path, location).body == bodies[url]
    read = {r.url: r.body for path in tmp_path.glob("*.warc.gz") for r in iter_responses(path)}
    assert read == bodies


def _articles_without_fetch_time(archive_path: Path, source: str) -> dict[str, str]:
    with Archive(archive_path) as archive:
        found = {}
        for article in archive.iter_articles(source=source):
            article.fetched_at = None
            found[article.url] = fingerprint(article)
        return found


def test_import_warc_archives_a_crawls_articles_once(
    demo_archive: dict, demo_sources: Path, tmp_path: Path
) -> None:
    files = sorted(str(p) for p in (demo_archive["data"] / "warc").glob("*.warc.gz"))
    args = ["--data", str(tmp_path), "import-warc", *files, "--sources", str(demo_sources),
            "--source", "ledger", "-q"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.stderr
    expected = _articles_without_fetch_time(demo_archive["data"] / "archive.db", "ledger")
    assert f"imported {len(expected)} new articles" in first.stdout
    assert _articles_without_fetch_time(tmp_path / "archive.db", "ledger") == expected
    copies = list((tmp_path / "warc").glob("*.warc.gz"))
    assert len(copies) == 1

    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.stderr
    assert "imported 0 new articles" in again.stdout
    assert f"{len(expected)} already archived" in again.stdout
    assert list((tmp_path / "warc").glob("*.warc.gz")) == copies


def test_import_decodes_compressed_records_and_filters_by_host(
    demo_archive: dict, tmp_path: Path
) -> None:
    with Archive(demo_archive["data"] / "archive.db") as archive:
        article = next(archive.iter_articles(source="courier"))
        html = archive.raw_html(article.id)
    assert html is not None
    source = tmp_path / "cc-news.warc.gz"
    with source.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for host in ("news.example", "other.example"):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                                  ("Content-Encoding", "gzip")],
                                       protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                f"https://www.{host}/2024/story", "response",
                payload=BytesIO(gzip.compress(html)), http_headers=headers))
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(b"\x1f\x8b not really gzip")
    data = tmp_path / "data"
    result = CliRunner().invoke(cli, ["--data", str(data), "import-warc", str(junk),
                                      str(source), "--host", "news.example", "-q"])
    assert result.exit_code == 1  # a file could not be read...
    assert f"{junk} is not a WARC file" in result.stderr
    assert "imported 1 new articles" in result.stdout  # ...the others were imported
    with Archive(data / "archive.db") as archive:
        (imported,) = list(archive.iter_articles())
        assert imported.source == "news.example"
        assert imported.title == article.title
        assert archive.raw_html(imported.id) == html


def test_import_of_a_truncated_warc_keeps_what_it_read_and_says_where_it_stops(
    demo_archive: dict, tmp_path: Path
) -> None:
    (whole,) = sorted((demo_archive["data"] / "warc").glob("*.warc.gz"))[:1]
    data = whole.read_bytes()
    offsets = [r.offset for r in iter_responses(whole)]
    middle = offsets[len(offsets) // 2]
    with whole.open("rb") as stream:  # the middle response record's compressed length
        records = ArchiveIterator(stream)
        length = next(records.get_record_length() for _ in records
                      if records.get_record_offset() == middle)
    for into in (length // 4, 3 * length // 4):  # two places inside that record
        cut = tmp_path / f"cut{into}.warc.gz"
        cut.write_bytes(data[: middle + into])
        result = CliRunner().invoke(cli, ["--data", str(tmp_path / f"data{into}"),
                                          "import-warc", str(cut), "-q"])
        assert result.exit_code == 1
        assert result.stderr.strip() == (
            f"Error: {cut} is damaged: it is cut off at offset {middle:,} of "
            f"{middle + into:,} bytes (the records before it were read)")
        assert "skipped (not an HTML page answered 200)" in result.stdout
        with Archive(tmp_path / f"data{into}" / "archive.db") as archive:
            assert 0 < archive.count() < len(offsets)


def _warc_of(path: Path, pages: dict[str, str]) -> Path:
    """A WARC file of 200 HTML responses, one per (url, html)."""
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url, html in pages.items():
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                       protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=BytesIO(html.encode()), http_headers=headers))
    return path


def test_import_warc_counts_the_pages_it_does_not_store_by_reason(tmp_path: Path) -> None:
    site = "https://news.example"
    listing = "".join(f'<li><a href="/{n}">Section {n}</a></li>' for n in range(40))
    warc = _warc_of(tmp_path / "mixed.warc.gz", {
        f"{site}/2024/05/01/harbour-dues-rise": article_html("Harbour dues rise",
                                                             prose("Harbour dues rise")),
        f"{site}/2024/05/02/bridge-closed": article_html("Bridge closed", prose("Bridge closed")),
        f"{site}/2024/05/03/coming-soon": article_html("Page not found", prose("Page not found")),
        f"{site}/2024/05/04/short": article_html("Short", "<p>Two words.</p>"),
        f"{site}/": f"<html><head><title>News</title></head><body><ul>{listing}</ul></body></html>",
    })
    data = tmp_path / "data"
    result = CliRunner().invoke(cli, ["--data", str(data), "import-warc", str(warc), "-q"])
    assert result.exit_code == 0, result.stderr
    assert ("imported 2 new articles from 5 responses: 0 already archived, 3 not articles"
            " (not_an_article_page 1, soft_404 1, text_too_short 1), 0 skipped") in result.stdout
    stats = CliRunner().invoke(cli, ["--data", str(data), "stats", "--json"])
    assert stats.exit_code == 0, stats.stderr
    assert json.loads(stats.stdout)["not_stored"] == {
        "not_an_article_page": 1, "soft_404": 1, "text_too_short": 1}


def test_import_copies_a_record_stored_as_read_without_compressing_it_again(
    tmp_path: Path,
) -> None:
    """A response whose body needs no decoding is copied into the archive's WARC files as
    the gzip member it was read as; one sent gzip-encoded is written decoded, as before.
    Both read back with warcio, digests checked, and give the page the import extracted."""
    plain_url = "https://news.example/2024/05/01/harbour-dues-rise"
    encoded_url = "https://news.example/2024/05/02/bridge-closed"
    plain = article_html("Harbour dues rise", prose("Harbour dues rise")).encode()
    encoded = article_html("Bridge closed", prose("Bridge closed")).encode()
    source = tmp_path / "cc-news.warc.gz"
    with source.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url, body, extra in ((plain_url, plain, [("Content-Length", str(len(plain)))]),
                                 (encoded_url, gzip.compress(encoded),
                                  [("Content-Encoding", "gzip")])):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), *extra],
                                       protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=BytesIO(body), http_headers=headers))
    members = {}
    with source.open("rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            url = record.rec_headers.get_header("WARC-Target-URI")
            records.read_to_end()
            members[url] = (records.get_record_offset(), records.get_record_length())
    data = tmp_path / "data"
    result = CliRunner().invoke(cli, ["--data", str(data), "import-warc", str(source), "-q"])
    assert result.exit_code == 0, result.stderr
    assert "imported 2 new articles" in result.stdout

    with Archive(data / "archive.db") as archive:
        located = {a.fetched_url: WarcLocation.parse(str(archive.page_location(a.id)))
                   for a in archive.iter_articles()}
    (copy,) = {loc.file for loc in located.values()}
    copied = (data / "warc" / copy).read_bytes()
    offset, length = members[plain_url]
    original = source.read_bytes()[offset:offset + length]
    start = located[plain_url].offset
    assert copied[start:start + length] == original  # the member itself
    with (data / "warc" / copy).open("rb") as stream:
        seen = {}
        for record in ArchiveIterator(stream, check_digests=True):
            if record.rec_type == "response":
                seen[record.rec_headers.get_header("WARC-Target-URI")] = (
                    record.content_stream().read(), record.http_headers.get_header(
                        "Content-Encoding"), record.digest_checker.passed)
    assert seen == {plain_url: (plain, None, True), encoded_url: (encoded, None, True)}
    for url, body in ((plain_url, plain), (encoded_url, encoded)):
        assert read_response(data / "warc", located[url]).body == body
