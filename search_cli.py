"""news-archive: crawl news sites into an archive, search it, export it.

One click group; each command checks its input, calls the library (``crawler``,
``indexer``) and prints. Errors a user can fix end in one line on stderr and exit 1;
bad usage exits 2.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import warnings
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

warnings.filterwarnings("ignore", category=SyntaxWarning, module=r".*whoosh")

from indexer.layout import DataDir  # noqa: E402  (after the whoosh warning filter)

# indexer.search.engine's SORTS and FACETS, spelled out: importing it loads Whoosh, which
# every command would then wait for (tests/test_cli.py checks they are the same).
SORTS = ("relevance", "newest", "oldest")
FACETS = ("source", "agency", "author", "tag", "lang", "year", "month")
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what shell tools exit with


def _color() -> bool:
    """Whether to color the output: on a terminal, unless NO_COLOR is set (no-color.org)."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def user_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the library's user-facing exceptions into one-line click errors."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BrokenPipeError:  # the reader went away (``| head``): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_BROKEN_PIPE)
        except Exception as exc:
            if isinstance(exc, _user_error_classes()):
                raise click.ClickException(str(exc)) from None
            if isinstance(exc, OSError):
                raise click.ClickException(
                    f"{exc.strerror or exc}: {exc.filename or ''}".strip()
                ) from None
            raise

    return wrapper


# The library's user-facing exceptions, by module. A module never imported cannot have
# raised one, so only loaded modules are looked at: importing the store or the crawler
# just for their exception classes would add about 0.3 s to every search.
_USER_ERRORS = {
    "crawler.single": "PageError",
    "crawler.sources": "SourceError",
    "indexer.store": "StoreError",
    "indexer.search": "QueryError",
    "indexer.search.whoosh.index": "ArchiveIndexError",
}


def _user_error_classes() -> tuple[type[Exception], ...]:
    """Return the user-facing exception classes of the loaded library modules."""
    loaded = ((sys.modules.get(module), name) for module, name in _USER_ERRORS.items())
    return tuple(getattr(module, name) for module, name in loaded if module is not None)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="NEWS_ARCHIVE_DATA",
    default="data",
    show_default=True,
    help="Archive folder (store + index). Env: NEWS_ARCHIVE_DATA.",
)
@click.version_option("0.1.0", prog_name="news-archive")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path) -> None:
    """Crawl news sites into a searchable archive; search and export it."""
    ctx.obj = DataDir(data_dir)


def _period(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Check a --since/--until value: 2022, 2022-10 or 2022-10-27."""
    if value is None:
        return None
    from indexer.search import QueryError, parse_period

    try:
        parse_period(value)
    except QueryError as exc:
        raise click.BadParameter(str(exc)) from None
    return value.strip()


def _settings_pairs(values: tuple[str, ...]) -> dict[str, str]:
    from crawler.overrides import SettingError, parse_overrides

    try:
        return parse_overrides(values)
    except SettingError as exc:
        raise click.UsageError(str(exc)) from None


@cli.command()
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Sources file (TOML). Default: sources.toml, unless --url is given.",
)
@click.option("--source", "only", multiple=True, help="Crawl only this source (repeatable).")
@click.option("--url", "urls", multiple=True, help="Archive this article URL (repeatable).")
@click.option(
    "--url-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Archive the article URLs listed in this file, one per line.",
)
@click.option(
    "-s",
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a Scrapy setting, e.g. -s DOWNLOAD_DELAY=2.",
)
@click.option(
    "--max-runtime",
    type=click.IntRange(1),
    metavar="SECONDS",
    help="Time budget: then close gracefully, keeping what was fetched.",
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append the log to this file (reopened after log rotation).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log Scrapy's progress (INFO).")
@click.option(
    "--redis",
    "redis_url",
    metavar="URL",
    help="Be one worker of a distributed crawl sharing this Redis (redis://HOST:PORT/DB); "
    "articles go to the ingester (see 'ingest').",
)
@click.pass_obj
@user_errors
def crawl(
    data: DataDir,
    sources_file: Path | None,
    only: tuple[str, ...],
    urls: tuple[str, ...],
    url_file: Path | None,
    settings: tuple[str, ...],
    max_runtime: int | None,
    log_file: Path | None,
    verbose: bool,
    redis_url: str | None = None,
) -> None:
    """Crawl the sources (and/or given article URLs) into the archive, then index.

    Safe under cron: an overlapping run exits at once; SIGTERM or --max-runtime close
    the crawl gracefully. Exit status: 0 done (or --max-runtime used up), 1 a user
    error (one line on stderr), 2 bad usage, 3 a source failed entirely, 4 the archive
    could not be written, 5 interrupted by SIGTERM/SIGINT, 6 health alarm (a source's
    extraction got much worse than its history).
    """
    from crawler.run import CrawlBusyError, log_to_file, run_crawl
    from crawler.sources import SourceError, check_article_url, load_sources, read_url_file

    try:
        adhoc = [check_article_url(url) for url in urls]
    except SourceError as exc:
        raise click.BadParameter(str(exc), param_hint="--url") from None
    if url_file is not None:
        listed, problems = read_url_file(url_file)
        for problem in problems:
            click.echo(f"Warning: {problem}", err=True)
        adhoc += listed
    if sources_file is None and not adhoc:
        sources_file = Path("sources.toml")
    sources = load_sources(sources_file, only) if sources_file else []
    level = "INFO" if verbose else "WARNING"
    overrides: dict[str, Any] = {"LOG_LEVEL": level}
    if max_runtime:
        overrides["CLOSESPIDER_TIMEOUT"] = max_runtime
    if log_file:
        log_to_file(log_file, level)
        overrides["LOG_ENABLED"] = False  # our file handler on the root logger takes it all
    if redis_url:
        from redis import RedisError

        from crawler.distributed.frontier import distributed_settings

        try:
            overrides.update(distributed_settings(redis_url))
        except (ValueError, RedisError) as exc:
            raise click.BadParameter(str(exc), param_hint="--redis") from None
    overrides.update(_settings_pairs(settings))
    try:
        summary = run_crawl(sources, data.root, urls=adhoc, overrides=overrides)
    except CrawlBusyError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(summary.line())
    if redis_url:
        click.echo(f"handed over {summary.stats.get('archive/handed_over', 0)} articles to Redis")
    if log_file:
        logging.getLogger("crawler").warning("%s", summary.line())
    sys.exit(summary.exit_code)


@cli.command()
@click.option("--rebuild", is_flag=True, help="Rebuild the whole index from the store.")
@click.option(
    "--compact",
    is_flag=True,
    help="Then merge the index's small segments into one, at most 20,000 documents "
    "(searches keep working).",
)
@click.pass_obj
@user_errors
def index(data: DataDir, rebuild: bool, compact: bool) -> None:
    """Bring the search index up to date with the store (or rebuild it)."""
    from indexer.search.whoosh.index import COMPACT_MAX_DOCS, ArchiveIndex

    with _open_archive(data) as archive:
        idx = ArchiveIndex(data.index)
        count = idx.rebuild(archive) if rebuild else idx.sync(archive)
        click.echo(f"{'rebuilt index with' if rebuild else 'indexed'} {count} articles")
        if compact:
            merged = idx.compact(archive, max_docs=COMPACT_MAX_DOCS)
            click.echo(f"merged {merged} index segments")


def _check_source(store: Any, source: str | None) -> None:
    """Refuse a --source the archive has no article of, naming the ones it has."""
    if source is not None and source not in (known := store.source_names()):
        raise click.ClickException(
            f"no source named {source!r} in the archive (known: {', '.join(known) or 'none'})"
        )


def _open_archive(data: DataDir, *, readonly: bool = False, texts_only: bool = False) -> Any:
    """Open the store; with ``texts_only``, only its article texts (read-only, and without
    importing the store's libraries: for snippets)."""
    if not data.archive.exists():
        raise click.ClickException(f"no archive at {data.archive}: run 'crawl' or 'demo' first")
    if texts_only:
        from indexer.search import StoreTexts

        return StoreTexts(data.archive)
    from indexer.store import Archive

    return Archive(data.archive, readonly=readonly)


ARTICLE_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "json", "text"]),
    default="markdown",
    show_default=True,
    help="How to print the article.",
)


@cli.command()
@click.argument("key", metavar="ID|URL")
@ARTICLE_FORMAT
@click.pass_obj
@user_errors
def show(data: DataDir, key: str, fmt: str) -> None:
    """Show one archived article."""
    from indexer import report

    with _open_archive(data, readonly=True) as archive:
        article = archive.get(key)
        if article is None:
            raise click.ClickException(f"no article {key!r} in the archive")
        copies = archive.get_many(archive.copies(article.id))
    if fmt == "json":
        click.echo(report.article_json(article, copies))
    else:
        click.echo(report.article_text(article, copies, fmt))


@cli.command()
@click.argument("target", metavar="URL|FILE")
@ARTICLE_FORMAT
@click.option("--url", help="The page's address, for a FILE (its links and identity).")
@user_errors
def extract(target: str, fmt: str, url: str | None) -> None:
    """Fetch (or read) one page and print its article as the archive would hold it,
    without archiving it: for tuning a source."""
    from crawler.single import extract_page
    from indexer import render

    article = extract_page(target, url)
    renderers = {"markdown": render.to_markdown, "json": render.to_json, "text": render.to_text}
    click.echo(renderers[fmt](article))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--health",
    is_flag=True,
    help="Per source and crawl: shares of new articles without date, author or "
    "body, and failures; alarms when a source's shares jump (exit status 6).",
)
@click.pass_obj
@user_errors
def stats(data: DataDir, as_json: bool, health: bool) -> None:
    """Counts: articles, sources, authors, agencies, date range, last crawl."""
    if health:
        _print_health(data, as_json)
        return
    from indexer import report

    with _open_archive(data, readonly=True) as archive:
        figures = archive.stats()
    if as_json:
        click.echo(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    _echo_lines(report.stats_lines(figures))


def _with_index(data: DataDir, work: Callable[[Any], Any], *, texts_only: bool = False) -> Any:
    """Run ``work(archive)`` against the index; a missing or damaged index is rebuilt
    from the store first (with a note on stderr), then ``work`` runs again. With
    ``texts_only``, ``work`` gets the store's texts only (see :func:`_open_archive`)."""
    from indexer.search import ArchiveIndex, index_problem

    with _open_archive(data, readonly=True, texts_only=texts_only) as archive:
        try:
            return work(archive)
        except Exception as exc:
            if (problem := index_problem(exc, data.index)) is None:
                raise
    click.echo(f"{problem}: rebuilding it from the store...", err=True)
    with _open_archive(data) as archive:
        ArchiveIndex(data.index).rebuild(archive)
        return work(archive)


def _echo_lines(lines: list[str]) -> None:
    for line in lines:
        click.echo(line)


class _QueryHelpCommand(click.Command):
    """A command whose help ends with the query language (loaded only for --help)."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from indexer.search import QUERY_HELP

        self.help = f"{self.help}\n\n\b\n{QUERY_HELP}"
        super().format_help_text(ctx, formatter)


@cli.command(cls=_QueryHelpCommand, context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1)
@click.option("--source", help="Only this source.")
@click.option("--author", help="Only articles by this author.")
@click.option("--agency", help="Only articles credited to this agency (AFP, Reuters...).")
@click.option("--lang", help="Only articles in this language (en, de...).")
@click.option(
    "--since", callback=_period, help="Published on or after: 2022, 2022-10 or 2022-10-27."
)
@click.option(
    "--until", callback=_period, help="Published on or before: 2022, 2022-10 or 2022-10-27."
)
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (schema in the README).")
@click.option("--count", "count_only", is_flag=True, help="Print only the number of hits.")
@click.option(
    "--collapse",
    is_flag=True,
    help="One hit per story: syndicated copies folded, with their count.",
)
@click.option(
    "--facet",
    "facet_fields",
    type=click.Choice(FACETS),
    multiple=True,
    help="Print hit counts per value of this field instead of hits (repeatable).",
)
@click.pass_obj
@user_errors
def search(
    data: DataDir,
    query: tuple[str, ...] | str,
    source: str | None = None,
    author: str | None = None,
    agency: str | None = None,
    lang: str | None = None,
    since: str | None = None,
    until: str | None = None,
    sort: str = "relevance",
    limit: int = 10,
    page: int = 1,
    as_json: bool = False,
    count_only: bool = False,
    facet_fields: tuple[str, ...] = (),
    collapse: bool = False,
) -> None:
    """Search the archive: words, phrases, fields and date ranges (below)."""
    from indexer import report
    from indexer import search as engine

    text = query if isinstance(query, str) else " ".join(query)
    filters = engine.Filters(source, author, agency, lang, since, until)
    if source is not None:
        with _open_archive(data, readonly=True, texts_only=True) as store:
            _check_source(store, source)
    if count_only:
        n = _with_index(data, lambda _: engine.count(data.index, text, filters), texts_only=True)
        click.echo(n)
        return
    if facet_fields:
        fields = list(dict.fromkeys(facet_fields))
        by_field = _with_index(
            data,
            lambda _: {f: engine.facets(data.index, text, filters, field=f) for f in fields},
            texts_only=True,
        )
        if as_json:
            payload = {f: dict(counts) for f, counts in by_field.items()}
            click.echo(json.dumps(payload[fields[0]] if len(fields) == 1 else payload,
                                  ensure_ascii=False, indent=2))
        else:
            _echo_lines(report.facets_text(by_field))
        return

    def run(archive: Any) -> tuple[Any, list[tuple[Any, list[str]]]]:
        return engine.search_page(
            data.index,
            text,
            filters,
            sort=sort,
            limit=limit,
            page=page,
            collapse=collapse,
            archive=archive,
        )

    result, rows = _with_index(data, run, texts_only=not collapse)
    if as_json:
        click.echo(report.search_json(text, result, rows, page, collapse=collapse))
        return
    color = _color()
    _echo_lines(report.search_text(result, rows, page, limit, collapse=collapse, color=color))


@cli.command()
@click.argument("article_id", metavar="ID")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
@user_errors
def similar(data: DataDir, article_id: str, limit: int, as_json: bool) -> None:
    """List the articles most like a given one."""
    from indexer import report
    from indexer import search as engine

    with _open_archive(data, readonly=True) as archive:
        article = archive.get(article_id)
        if article is None:
            raise click.ClickException(f"no article {article_id!r} in the archive")
        try:
            hits = engine.similar(data.index, article.id, limit, archive=archive)
        except KeyError:
            raise click.ClickException(
                f"article {article.id} is not indexed yet: run 'index'"
            ) from None
    if as_json:
        click.echo(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        return
    color = _color()
    for number, hit in enumerate(hits, 1):
        click.echo("\n".join(report.hit_lines(number, hit, color)))


def _print_health(data: DataDir, as_json: bool) -> None:
    from indexer import report
    from indexer.health import EXIT_ALARM, alarms, source_health

    with _open_archive(data, readonly=True) as archive:
        rows = source_health(archive)
    warnings_ = alarms(rows)
    if as_json:
        payload = {"crawls": [r.to_dict() for r in rows], "alarms": warnings_}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        _echo_lines(report.health_lines(rows, warnings_))
    if warnings_:
        sys.exit(EXIT_ALARM)


EXPORT_FORMATS = ("sqlite", "jsonl", "csv", "markdown")


@cli.command()
@click.argument("path", metavar="PATH")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    default="sqlite",
    show_default=True,
    help="sqlite: a Datasette-ready database; jsonl/csv: a file or - for stdout; "
    "markdown: a folder with one file per article.",
)
@click.option(
    "--since", callback=_period, help="Published on or after (2022, 2022-10 or 2022-10-27)."
)
@click.option(
    "--until", callback=_period, help="Published on or before (2022, 2022-10 or 2022-10-27)."
)
@click.option("--source", help="Only this source.")
@click.option("--query", help="Only the articles matching this search query.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar (for cron).")
@click.pass_obj
@user_errors
def export(
    data: DataDir,
    path: str,
    fmt: str,
    since: str | None,
    until: str | None,
    source: str | None,
    query: str | None,
    quiet: bool,
) -> None:
    """Export the archive (or part of it) to SQLite, JSONL, CSV or Markdown files."""
    from indexer import export as exporter

    if path == "-" and fmt not in {"jsonl", "csv"}:
        raise click.UsageError("only --format jsonl or csv can be written to stdout (-)")
    with _open_archive(data, readonly=True) as archive:
        _check_source(archive, source)
        ids = None
        if query:
            from indexer.search import Filters, matching_ids

            only = Filters(source=source, since=since, until=until)
            ids = _with_index(data, lambda _: matching_ids(data.index, query, only))
        total = len(archive.article_ids(ids=ids, since=since, until=until, source=source))
        show_bar = not quiet and path != "-" and sys.stderr.isatty()
        with click.progressbar(
            length=total, label="exporting", file=sys.stderr, hidden=not show_bar
        ) as bar:
            filters: dict[str, Any] = dict(
                ids=ids, since=since, until=until, source=source, progress=bar.update
            )
            if fmt == "sqlite":
                count = exporter.export_sqlite(archive, path, **filters)
            elif fmt == "markdown":
                count = exporter.export_markdown(archive, path, **filters)
            elif path == "-":
                writer = exporter.export_jsonl if fmt == "jsonl" else exporter.export_csv
                count = writer(archive, click.get_text_stream("stdout"), **filters)
            else:
                writer = exporter.export_jsonl if fmt == "jsonl" else exporter.export_csv
                with exporter.replacing(path) as out:
                    count = writer(archive, out, **filters)
    if not quiet and path != "-":
        click.echo(f"exported {count} articles to {path}", err=True)


DEMO_PORT = 8701


@cli.command()
@click.option("--query", default=None, help="The sample search to show at the end.")
@click.option(
    "--port",
    type=click.IntRange(1024, 65533),
    default=DEMO_PORT,
    show_default=True,
    help="The outlets' first port (they take it and the next two). The articles' URLs "
    "name it: use the same one each time for one archive.",
)
@click.pass_obj
@user_errors
def demo(data: DataDir, query: str | None, port: int) -> None:
    """Serve the bundled demo news site on 127.0.0.1, crawl it, index it, search it."""
    from crawler.demosite import DemoSite, sources_toml
    from crawler.demosite.content import OUTLETS
    from crawler.run import run_crawl
    from crawler.sources import load_sources

    ports = {name: port + n for n, name in enumerate(OUTLETS)}
    try:
        site = DemoSite(ports=ports).start()
    except OSError as exc:  # other ports would give every article another URL: a copy
        raise click.ClickException(
            f"cannot serve the demo on ports {port}-{port + len(ports) - 1}: {exc.strerror} "
            "(another demo running?); stop it, or choose other ports with --port"
        ) from None
    data.root.mkdir(parents=True, exist_ok=True)
    sources_file = data.root / "demo-sources.toml"
    try:
        sources_file.write_text(sources_toml(site.outlets), encoding="utf-8")
        click.echo(f"demo site: {', '.join(site.outlets.values())}")
        summary = run_crawl(load_sources(sources_file), data.root, overrides=DEMO_SETTINGS)
    finally:
        site.stop()
    click.echo(summary.line())
    sample = query or DEMO_QUERY
    click.echo(f"\n$ search_cli.py --data {data.root} search {sample!r}\n")
    ctx = click.get_current_context()
    ctx.invoke(search, query=sample)


DEMO_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "LOG_LEVEL": "WARNING",
}
DEMO_QUERY = "Reuters"


# --- The true archive: raw pages (WARC), re-extraction, WARC import, revisions. ---


@cli.command()
@click.argument("key", metavar="ID|URL")
@click.pass_obj
@user_errors
def raw(data: DataDir, key: str) -> None:
    """Print the original HTML of an archived article, as it was fetched."""
    with _open_archive(data, readonly=True) as archive:
        article = archive.get(key)
        if article is None:
            raise click.ClickException(f"no article {key!r} in the archive")
        body = archive.raw_html(article.id)
    if body is None:
        raise click.ClickException(f"no raw page kept for article {article.id}")
    if sys.stdout.isatty():  # a page's control characters must not reach the terminal
        from indexer.terminal import clean_for_terminal

        click.echo(clean_for_terminal(body.decode("utf-8", "replace"), newlines=True))
        return
    out = click.get_binary_stream("stdout")
    out.write(body)
    out.flush()


@cli.command()
@click.option("--source", help="Only this source.")
@click.option(
    "--since",
    callback=_period,
    help="Only articles published on or after: 2022, 2022-10 or 2022-10-27.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar (for cron).")
@click.pass_obj
@user_errors
def reextract(data: DataDir, source: str | None, since: str | None, quiet: bool) -> None:
    """Run the current extractor over the archived pages; update the store and index.

    Idempotent and safe to interrupt: each batch is committed on its own, and articles
    already up to date are not rewritten.
    """
    from crawler.warc.reextract import reextract as run_reextract

    with _open_archive(data) as archive:
        _check_source(archive, source)
        total = len(archive.article_ids(source=source, since=since))
        show_bar = not quiet and sys.stderr.isatty()
        with click.progressbar(
            length=total, label="re-extracting", file=sys.stderr, hidden=not show_bar
        ) as bar:
            counts = run_reextract(
                archive, data.index, source=source, since=since, progress=bar.update
            )
    click.echo(
        f"re-extracted {counts.checked} articles: {counts.updated} updated, "
        f"{counts.unchanged} unchanged, {counts.rejected} no longer articles (kept), "
        f"{counts.no_page} without a raw page; indexed {counts.indexed}"
    )


@cli.command("import-warc")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--host", "hosts", multiple=True, help="Only pages on this host or its subdomains.")
@click.option("--source", "only", multiple=True, help="Only pages of this source (repeatable).")
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Sources file naming the --source hosts. Default: sources.toml.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar (for cron).")
@click.pass_obj
@user_errors
def import_warc(
    data: DataDir,
    files: tuple[Path, ...],
    hosts: tuple[str, ...],
    only: tuple[str, ...],
    sources_file: Path | None,
    quiet: bool,
) -> None:
    """Archive the news articles found in WARC files (another crawler's, CC-NEWS).

    Without --host or --source every HTML page is tried; pages that are not articles
    and URLs already archived are skipped.
    """
    from crawler.sources import load_sources
    from crawler.warc.importer import ImportFilter, import_warcs
    from indexer.store import Archive
    from indexer.urls import strip_www

    sources = load_sources(sources_file or Path("sources.toml"), only) if only else []
    keep = ImportFilter(frozenset(strip_www(h.lower()) for h in hosts), tuple(sources))
    with Archive(data.archive) as archive:
        show_bar = not quiet and sys.stderr.isatty()
        with click.progressbar(
            length=len(files), label="importing", file=sys.stderr, hidden=not show_bar
        ) as bar:
            counts = import_warcs(archive, data.index, files, keep, progress=bar.update)
    click.echo(
        f"imported {counts.new} new articles from {counts.responses} responses: "
        f"{counts.known} already archived, {counts.not_articles} not articles, "
        f"{counts.filtered} skipped (not an HTML page answered 200"
        f"{', or outside --host/--source' if hosts or only else ''}); indexed {counts.indexed}"
    )
    for problem in counts.unreadable:
        click.echo(f"Error: {problem}", err=True)
    if counts.unreadable:
        sys.exit(1)


@cli.command()
@click.argument("key", metavar="ID|URL")
@click.option("--diff", is_flag=True, help="Show a word-level diff between two versions.")
@click.option("--from", "older", type=click.IntRange(1), help="Older version (default: --to - 1).")
@click.option("--to", "newer", type=click.IntRange(1), help="Newer version (default: current).")
@click.pass_obj
@user_errors
def history(data: DataDir, key: str, diff: bool, older: int | None, newer: int | None) -> None:
    """List the versions of an article (or, with --diff, what changed between two)."""
    from indexer import report
    from indexer.revisions import history as versions_of

    with _open_archive(data, readonly=True) as archive:
        versions = versions_of(archive, key)
    if not versions:
        raise click.ClickException(f"no article {key!r} in the archive")
    if not diff:
        _echo_lines(report.version_lines(versions))
        return
    if len(versions) == 1:
        raise click.ClickException(f"article {key} has only one version: nothing to compare")
    newer = newer or len(versions)
    older = older or newer - 1
    if not 1 <= older < newer <= len(versions):
        raise click.UsageError(
            f"the article has {len(versions)} version(s): need 1 <= --from < --to <= "
            f"{len(versions)}"
        )
    a, b = versions[older - 1], versions[newer - 1]
    _echo_lines(report.diff_lines(a, b, color=_color()))


@cli.command()
@click.option(
    "--redis",
    "redis_url",
    required=True,
    metavar="URL",
    help="The crawl's Redis (redis://HOST:PORT/DB).",
)
@click.option("--batch-size", type=click.IntRange(1), default=50, show_default=True)
@click.option(
    "--idle-exit",
    type=click.FloatRange(0, min_open=True),
    metavar="SECONDS",
    help="Stop after this long with nothing to ingest. Default: run until SIGTERM.",
)
@click.pass_obj
@user_errors
def ingest(data: DataDir, redis_url: str, batch_size: int, idle_exit: float | None) -> None:
    """Store and index the articles workers of a distributed crawl hand over (one process).

    Run it next to the archive, alongside any number of 'crawl --redis URL' workers.
    SIGTERM or Ctrl-C stop it after the current batch; nothing is lost if it is killed.
    """
    import signal
    import threading

    import redis

    from crawler.distributed.ingester import run_ingest
    from crawler.run import CrawlBusyError

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        counts = run_ingest(
            redis_url, data.root, batch_size=batch_size, idle_exit=idle_exit, stop=stop
        )
    except (ValueError, CrawlBusyError, redis.RedisError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(counts.line())


if __name__ == "__main__":
    cli()
