"""The commands that bring articles in: crawl, demo, extract, reextract, import-warc, ingest;
and those that take them out: delete, vacuum."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from indexer.commands.common import (
    ARTICLE_FORMAT,
    check_source,
    echo_lines,
    open_archive,
    period,
    user_errors,
)
from indexer.commands.reading import search
from indexer.layout import DataDir

if TYPE_CHECKING:
    from crawler.sources import Source


def _settings_pairs(values: tuple[str, ...]) -> dict[str, str]:
    from crawler.overrides import SettingError, parse_overrides

    try:
        return parse_overrides(values)
    except SettingError as exc:
        raise click.UsageError(str(exc)) from None


def _crawl_sources(
    sources_file: Path | None, only: tuple[str, ...], *, adhoc_only: bool
) -> tuple[list[Source], list[Source]]:
    """The sources to crawl, and every source of the file (they name ``--url`` articles).

    With ``--url``/``--url-file`` and no ``--sources``, no source is crawled; a default
    ``sources.toml``, when there is one, only names the articles on its sources' hosts
    (a broken one is a warning, not an error: it was not asked for).
    """
    from crawler.sources import SourceError, load_sources

    if sources_file is None and adhoc_only:
        default = Path("sources.toml")
        try:
            return [], load_sources(default) if default.is_file() else []
        except SourceError as exc:
            click.echo(f"Warning: {exc}; --url articles are named after their host", err=True)
            return [], []
    path = sources_file or Path("sources.toml")
    known = load_sources(path)
    return (load_sources(path, only) if only else known), known


@click.command()
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Sources file (TOML). Default: sources.toml; with --url alone, no source is "
    "crawled and the file only names the URLs of its sources' hosts.",
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
    "--grace",
    type=click.FloatRange(0),
    metavar="SECONDS",
    help="At the close (--max-runtime, SIGTERM), downloads and extractions in flight get "
    "this long, then are given up (default 30; setting CRAWL_GRACE_PERIOD).",
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append the log to this file (reopened after log rotation).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log Scrapy's progress (INFO).")
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Print nothing when all went well (errors still go to stderr, and the summary "
    "when the exit status is not 0). Without it, a terminal shows a progress line.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="List what the sources would fetch (feeds, sitemaps, a sample of the article "
    "pages found in them), reading those from the sites, and archive nothing.",
)
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
    grace: float | None,
    log_file: Path | None,
    verbose: bool,
    quiet: bool = False,
    dry_run: bool = False,
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
    from crawler.sources import SourceError, adhoc_source, check_article_url, read_url_file

    try:
        adhoc = [check_article_url(url) for url in urls]
    except SourceError as exc:
        raise click.BadParameter(str(exc), param_hint="--url") from None
    if url_file is not None:
        listed, problems = read_url_file(url_file)
        for problem in problems:
            click.echo(f"Warning: {problem}", err=True)
        adhoc += listed
    sources, known = _crawl_sources(sources_file, only, adhoc_only=bool(adhoc))
    pages = [adhoc_source(url, known) for url in adhoc]
    if quiet and verbose:
        raise click.UsageError("-q/--quiet and -v/--verbose do not go together")
    level = "INFO" if verbose else "WARNING"
    overrides: dict[str, Any] = {
        "LOG_LEVEL": "ERROR" if quiet and not log_file else level,
        "CRAWL_PROGRESS": not quiet and sys.stderr.isatty(),
    }
    if max_runtime:
        overrides["CLOSESPIDER_TIMEOUT"] = max_runtime
    if grace is not None:
        overrides["CRAWL_GRACE_PERIOD"] = grace
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
    if dry_run:
        if adhoc or redis_url:
            raise click.UsageError("--dry-run previews a sources file: no --url, --url-file "
                                   "or --redis")
        from crawler.dry_run import preview, preview_lines

        echo_lines(list(preview_lines(preview(sources, data.root, overrides))))
        return
    try:
        summary = run_crawl(sources, data.root, urls=pages, overrides=overrides)
    except CrawlBusyError as exc:
        raise click.ClickException(str(exc)) from None
    if not quiet or summary.exit_code:
        click.echo(summary.line())
    if redis_url and not quiet:
        click.echo(f"handed over {summary.stats.get('archive/handed_over', 0)} articles to Redis")
    if log_file:
        logging.getLogger("crawler").warning("%s", summary.line())
    sys.exit(summary.exit_code)


@click.command()
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


DEMO_PORT = 8701


@click.command()
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


@click.command()
@click.option("--source", help="Only this source.")
@click.option(
    "--since",
    callback=period,
    help="Only articles published on or after: 2022, 2022-10 or 2022-10-27.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar (for cron).")
@click.pass_obj
@user_errors
def reextract(data: DataDir, source: str | None, since: str | None, quiet: bool) -> None:
    """Run the current extractor over the archived pages; update the store and index.

    Idempotent and safe to interrupt: what was re-extracted is committed every few
    thousand articles or seconds (and when interrupted), and articles already up to date
    are not rewritten.
    """
    from crawler.warc.reextract import reextract as run_reextract

    with open_archive(data) as archive:
        check_source(archive, source)
        total = archive.count(source=source, since=since)
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


@click.command("import-warc")
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
    from crawler.items import reasons_text
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
        f"{counts.known} already archived, "
        f"{counts.not_articles} not articles{reasons_text(counts.not_stored)}, "
        f"{counts.filtered} skipped (not an HTML page answered 200"
        f"{', or outside --host/--source' if hosts or only else ''}); indexed {counts.indexed}"
    )
    for problem in counts.unreadable:
        click.echo(f"Error: {problem}", err=True)
    if counts.unreadable:
        sys.exit(1)


@click.command()
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
@click.option(
    "--revisit-days",
    type=click.IntRange(0),
    default=30,
    show_default=True,
    metavar="DAYS",
    help="Publish to the workers the revisit headers of articles up to this old at start "
    "(set it to the largest revisit_days of the sources).",
)
@click.pass_obj
@user_errors
def ingest(
    data: DataDir, redis_url: str, batch_size: int, idle_exit: float | None, revisit_days: int
) -> None:
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
            redis_url, data.root, batch_size=batch_size, idle_exit=idle_exit,
            revisit_days=revisit_days, stop=stop,
        )
    except (ValueError, CrawlBusyError, redis.RedisError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(counts.line())


# --- Takedowns: delete and vacuum (crawler.takedown, indexer.takedown). ---


@click.command()
@click.argument("keys", nargs=-1, metavar="[ID|URL]...")
@click.option("--source", help="Delete every article of this source (asks first).")
@click.option("--yes", is_flag=True, help="Do not ask before deleting a whole source.")
@click.pass_obj
@user_errors
def delete(data: DataDir, keys: tuple[str, ...], source: str | None, yes: bool) -> None:
    """Delete articles, e.g. on a takedown request: from the store (with their versions,
    addresses and syndication links), the index and later exports.

    Their WARC records stay but are marked deleted: crawls and import-warc do not archive
    them again, and reextract does not bring them back. 'vacuum' then compacts the store.
    Exit status 1 when a key names no article (the others are deleted).
    """
    from crawler.takedown import delete_articles

    if not keys and source is None:
        raise click.UsageError("name the articles to delete (ID or URL), or --source NAME")
    if source is not None:
        with open_archive(data, readonly=True) as archive:
            check_source(archive, source)

    def confirm(count: int) -> bool:
        return yes or click.confirm(
            f"Delete all {count} articles of source {source!r}?", err=True
        )

    done = delete_articles(data, keys, source=source, confirm=confirm)
    click.echo(
        f"deleted {len(done.deleted)} articles"
        + (f" ({len(done.already)} deleted before)" if done.already else "")
        + f"; {done.unindexed} removed from the index"
    )
    for key in done.unknown:
        click.echo(f"Error: no article {key!r} in the archive", err=True)
    if done.unknown:
        sys.exit(1)


@click.command()
@click.pass_obj
@user_errors
def vacuum(data: DataDir) -> None:
    """Compact the archive: the store without the space deletions left (SQLite VACUUM),
    and the index built anew from it (searches go on meanwhile)."""
    from crawler.takedown import vacuum as compact

    done = compact(data)
    click.echo(
        f"store {done.size_before / 1e6:.1f} MB -> {done.size_after / 1e6:.1f} MB; "
        f"index rebuilt ({done.indexed} articles)"
    )
