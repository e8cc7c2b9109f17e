"""The commands that keep the archive: index and export."""

from __future__ import annotations

import sys
from typing import Any

import click

from indexer.commands.common import (
    added_since_option,
    check_source,
    open_archive,
    period,
    user_errors,
    with_index,
)
from indexer.layout import DataDir


@click.command()
@click.option("--rebuild", is_flag=True, help="Rebuild the whole index from the store.")
@click.option(
    "--compact",
    is_flag=True,
    help="Then merge the index's small segments into one, at most 20,000 documents "
    "(searches keep working).",
)
@click.option(
    "--engine",
    metavar="NAME",
    help="With --rebuild: the archive's full-text engine from now on: whoosh (the "
    "default) or tantivy (faster on large archives; see the README).",
)
@click.pass_obj
@user_errors
def index(data: DataDir, rebuild: bool, compact: bool, engine: str | None) -> None:
    """Bring the search index up to date with the store (or rebuild it)."""
    from indexer.search.engines import COMPACT_MAX_DOCS, check_engine, engine_of, open_index

    if engine is not None:
        try:
            check_engine(engine)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        if not rebuild and engine != engine_of(data.index):
            raise click.ClickException("changing the engine rebuilds the index: add --rebuild")
    with open_archive(data) as archive:
        idx = open_index(data.index, engine=engine)
        count = idx.rebuild(archive) if rebuild else idx.sync(archive)
        click.echo(f"{'rebuilt index with' if rebuild else 'indexed'} {count} articles")
        if compact:
            merged = idx.compact(archive, max_docs=COMPACT_MAX_DOCS)
            click.echo(f"merged {merged} index segments")


EXPORT_FORMATS = ("sqlite", "jsonl", "csv", "markdown")


@click.command()
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
    "--since", callback=period, help="Published on or after (2022, 2022-10 or 2022-10-27)."
)
@click.option(
    "--until", callback=period, help="Published on or before (2022, 2022-10 or 2022-10-27)."
)
@click.option("--source", help="Only this source.")
@click.option(
    "--added-since",
    callback=added_since_option,
    metavar="DATE",
    help="Only articles fetched (added or updated) on or after: 2026-12-07, or "
    "2026-12-07T06:00 (UTC unless an offset is given). For incremental exports.",
)
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
    added_since: str | None,
    query: str | None,
    quiet: bool,
) -> None:
    """Export the archive (or part of it) to SQLite, JSONL, CSV or Markdown files."""
    from indexer import export as exporter

    if path == "-" and fmt not in {"jsonl", "csv"}:
        raise click.UsageError("only --format jsonl or csv can be written to stdout (-)")
    with open_archive(data, readonly=True) as archive:
        check_source(archive, source)
        ids = None
        if query:
            from indexer.search import Filters, matching_ids

            only = Filters(source=source, since=since, until=until)
            ids = with_index(data, lambda _: matching_ids(data.index, query, only))
        total = len(archive.article_ids(
            ids=ids, since=since, until=until, source=source, added_since=added_since
        ))
        show_bar = not quiet and path != "-" and sys.stderr.isatty()
        with click.progressbar(
            length=total, label="exporting", file=sys.stderr, hidden=not show_bar
        ) as bar:
            filters: dict[str, Any] = dict(
                ids=ids, since=since, until=until, source=source, added_since=added_since,
                progress=bar.update,
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
