"""The commands that read the archive: search, similar, show, raw, history, stats."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from indexer.commands.common import (
    ARTICLE_FORMAT,
    check_source,
    color,
    echo_lines,
    open_archive,
    period,
    user_errors,
    with_index,
)
from indexer.layout import DataDir

# indexer.search.engine's SORTS and FACETS, spelled out: importing it loads Whoosh, which
# every command would then wait for (tests/test_cli.py checks they are the same).
SORTS = ("relevance", "newest", "oldest")
FACETS = ("source", "agency", "author", "tag", "lang", "year", "month")
OUTPUTS = ("text", "json", "jsonl", "csv")
STREAMED = ("jsonl", "csv")  # every hit, printed as it is read


@click.command()
@click.argument("key", metavar="ID|URL")
@ARTICLE_FORMAT
@click.pass_obj
@user_errors
def show(data: DataDir, key: str, fmt: str) -> None:
    """Show one archived article."""
    from indexer import report

    with open_archive(data, readonly=True) as archive:
        article = archive.get(key)
        if article is None:
            raise click.ClickException(f"no article {key!r} in the archive")
        copies = archive.get_many(archive.copies(article.id))
    if fmt == "json":
        click.echo(report.article_json(article, copies))
    else:
        click.echo(report.article_text(article, copies, fmt))


@click.command()
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

    with open_archive(data, readonly=True) as archive:
        figures = archive.stats()
    if as_json:
        click.echo(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    echo_lines(report.stats_lines(figures))


class _QueryHelpCommand(click.Command):
    """A command whose help ends with the query language (loaded only for --help)."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from indexer.search import QUERY_HELP

        self.help = f"{self.help}\n\n\b\n{QUERY_HELP}"
        super().format_help_text(ctx, formatter)


@click.command(cls=_QueryHelpCommand, context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1)
@click.option("--source", help="Only this source.")
@click.option("--author", help="Only articles by this author.")
@click.option("--agency", help="Only articles credited to this agency (AFP, Reuters...).")
@click.option("--lang", help="Only articles in this language (en, de...).")
@click.option(
    "--since", callback=period, help="Published on or after: 2022, 2022-10 or 2022-10-27."
)
@click.option(
    "--until", callback=period, help="Published on or before: 2022, 2022-10 or 2022-10-27."
)
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (schema in the README).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(OUTPUTS),
    default="text",
    show_default=True,
    help="jsonl and csv print every hit (no 1,000 cap, --limit caps), as they are read.",
)
@click.option("--jsonl", is_flag=True, help="Same as --format jsonl: one JSON hit a line.")
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
    fmt: str = "text",
    jsonl: bool = False,
) -> None:
    """Search the archive: words, phrases, fields and date ranges (below)."""
    from indexer import report
    from indexer import search as engine

    fmt = _output_format(fmt, as_json=as_json, jsonl=jsonl)
    text = query if isinstance(query, str) else " ".join(query)
    filters = engine.Filters(source, author, agency, lang, since, until)
    if source is not None:
        with open_archive(data, readonly=True, texts_only=True) as store:
            check_source(store, source)
    if fmt in STREAMED:
        _stream_hits(data, text, filters, sort=sort, fmt=fmt, page=page, limit=limit,
                     grouped=collapse or count_only or bool(facet_fields))
        return
    if count_only:
        n = with_index(data, lambda _: engine.count(data.index, text, filters), texts_only=True)
        click.echo(n)
        return
    if facet_fields:
        fields = list(dict.fromkeys(facet_fields))
        by_field = with_index(
            data,
            lambda _: {f: engine.facets(data.index, text, filters, field=f) for f in fields},
            texts_only=True,
        )
        if fmt == "json":
            payload = {f: dict(counts) for f, counts in by_field.items()}
            click.echo(
                json.dumps(
                    payload[fields[0]] if len(fields) == 1 else payload,
                    ensure_ascii=False,
                    indent=2,
                )
            )
        else:
            echo_lines(report.facets_text(by_field))
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

    result, rows = with_index(data, run, texts_only=not collapse)
    if result.partial:
        click.echo(f"Warning: {report.PARTIAL}", err=True)
    if fmt == "json":
        click.echo(report.search_json(text, result, rows, page, collapse=collapse))
        return
    use_color = color()
    echo_lines(report.search_text(result, rows, page, limit, collapse=collapse, color=use_color))


def _output_format(fmt: str, *, as_json: bool, jsonl: bool) -> str:
    """The one output format that --format, --json and --jsonl ask for together."""
    asked = {fmt} - {"text"} | ({"json"} if as_json else set()) | ({"jsonl"} if jsonl else set())
    if len(asked) > 1:
        raise click.UsageError(f"choose one output format, not {' and '.join(sorted(asked))}")
    return asked.pop() if asked else "text"


def _stream_hits(
    data: DataDir, text: str, filters: Any, *, sort: str, fmt: str, page: int, limit: int,
    grouped: bool,
) -> None:
    """Print every hit (at most an explicit --limit) as JSON lines or CSV, as read."""
    from itertools import islice

    from indexer import report
    from indexer import search as engine

    if grouped or page != 1:
        raise click.UsageError(
            f"--format {fmt} prints every hit: it takes no --page, --count, --facet or --collapse"
        )
    ctx = click.get_current_context()
    cap = limit if ctx.get_parameter_source("limit") == click.core.ParameterSource.COMMANDLINE \
        else None

    def run(archive: Any) -> Any:
        stream = engine.every_hit(data.index, text, filters, sort=sort, archive=archive)
        report.write_hits(islice(stream.hits, cap), fmt, click.get_text_stream("stdout"))
        return stream

    if with_index(data, run, texts_only=True).partial:
        click.echo("Warning: the search ran out of time: not every hit was printed", err=True)


@click.command()
@click.argument("article_id", metavar="ID")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
@user_errors
def similar(data: DataDir, article_id: str, limit: int, as_json: bool) -> None:
    """List the articles most like a given one."""
    from indexer import report
    from indexer import search as engine

    with open_archive(data, readonly=True) as archive:
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
    use_color = color()
    for number, hit in enumerate(hits, 1):
        click.echo("\n".join(report.hit_lines(number, hit, use_color)))


def _print_health(data: DataDir, as_json: bool) -> None:
    from indexer import report
    from indexer.health import EXIT_ALARM, alarms, source_health

    with open_archive(data, readonly=True) as archive:
        rows = source_health(archive)
    warnings_ = alarms(rows)
    if as_json:
        payload = {"crawls": [r.to_dict() for r in rows], "alarms": warnings_}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        echo_lines(report.health_lines(rows, warnings_))
    if warnings_:
        sys.exit(EXIT_ALARM)


@click.command()
@click.argument("key", metavar="ID|URL")
@click.option(
    "--version",
    "number",
    type=click.IntRange(1),
    help="This version's page, as 'history' numbers them (default: the current one).",
)
@click.pass_obj
@user_errors
def raw(data: DataDir, key: str, number: int | None) -> None:
    """Print the original HTML of an archived article, as it was fetched."""
    from indexer.revisions import version_html

    with open_archive(data, readonly=True) as archive:
        article = archive.get(key)
        if article is None:
            raise click.ClickException(f"no article {key!r} in the archive")
        if number is None:
            body = archive.raw_html(article.id)
        else:
            body = version_html(archive, article.id, number)
    if body is None:
        which = "" if number is None else f" version {number} of"
        raise click.ClickException(f"no raw page kept for{which} article {article.id}")
    if sys.stdout.isatty():  # a page's control characters must not reach the terminal
        from indexer.terminal import clean_for_terminal

        click.echo(clean_for_terminal(body.decode("utf-8", "replace"), newlines=True))
        return
    out = click.get_binary_stream("stdout")
    out.write(body)
    out.flush()


@click.command()
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

    with open_archive(data, readonly=True) as archive:
        versions = versions_of(archive, key)
    if not versions:
        raise click.ClickException(f"no article {key!r} in the archive")
    if not diff:
        echo_lines(report.version_lines(versions))
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
    echo_lines(report.diff_lines(a, b, color=color()))
