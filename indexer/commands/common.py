"""What every command shares: user errors as one line, the archive and index openers,
option checks, and terminal niceties.

The commands themselves live in :mod:`indexer.commands.reading`,
:mod:`indexer.commands.upkeep` and :mod:`crawler.commands`; ``search_cli.py`` groups them.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

import click

from indexer.layout import DataDir

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what shell tools exit with
HIT_WARNINGS = "indexer.search.hit_fields"  # hits the store does not hold, an unread store


def color() -> bool:
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
            if isinstance(exc, user_error_classes()):
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
    "indexer.database": "StoreError",
    "indexer.packed": "PackedError",
    "indexer.schema_version": "NewerArchiveError",
    "indexer.search": "QueryError",
    "indexer.search.errors": "ArchiveIndexError",
}


def user_error_classes() -> tuple[type[Exception], ...]:
    """Return the user-facing exception classes of the loaded library modules."""
    loaded = ((sys.modules.get(module), name) for module, name in _USER_ERRORS.items())
    return tuple(getattr(module, name) for module, name in loaded if module is not None)


def period(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Check a --since/--until value: 2022, 2022-10 or 2022-10-27."""
    if value is None:
        return None
    from indexer.search import QueryError, parse_period

    try:
        parse_period(value)
    except QueryError as exc:
        raise click.BadParameter(str(exc)) from None
    return value.strip()


def added_since_option(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    """Check an --added-since value: a date, or a date and time (UTC unless offset)."""
    if value is None:
        return None
    from indexer.schema import added_bound

    try:
        return added_bound(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def check_source(store: Any, source: str | None) -> None:
    if source is not None and source not in (known := store.source_names()):
        raise click.ClickException(
            f"no source named {source!r} in the archive (known: {', '.join(known) or 'none'})"
        )


def open_archive(data: DataDir, *, readonly: bool = False, texts_only: bool = False) -> Any:
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


def with_index(data: DataDir, work: Callable[[Any], Any], *, texts_only: bool = False) -> Any:
    """Run ``work(archive)`` against the index; a missing or damaged index is rebuilt
    from the store first (with a note on stderr), then ``work`` runs again. With
    ``texts_only``, ``work`` gets the store's texts only (see :func:`open_archive`)."""
    from indexer.search import index_problem, open_index

    with warnings_shown(HIT_WARNINGS):
        with open_archive(data, readonly=True, texts_only=texts_only) as archive:
            try:
                return work(archive)
            except Exception as exc:
                if (problem := index_problem(exc, data.index)) is None:
                    raise
        click.echo(f"{problem}: rebuilding it from the store...", err=True)
        with open_archive(data) as archive:
            open_index(data.index).rebuild(archive)
            return work(archive)


class _Stderr(logging.Handler):
    """Prints each warning at once, but adds up the hits not in the store (a stream is
    read in slices) into one warning at the end (:meth:`close`)."""

    not_stored: int = 0
    template: str = ""

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(count := getattr(record, "not_stored", None), int):
            self.not_stored += count
            self.template = str(record.msg)
        else:
            click.echo(f"Warning: {record.getMessage()}", err=True)

    def close(self) -> None:
        if self.not_stored:
            click.echo(f"Warning: {self.template % self.not_stored}", err=True)
        super().close()


@contextmanager
def warnings_shown(name: str) -> Iterator[None]:
    """Print on stderr ("Warning: ...") what the library's logger ``name`` warns of
    within the block (the library's loggers print nothing by themselves)."""
    logger, handler = logging.getLogger(name), _Stderr(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        handler.close()


def echo_lines(lines: list[str]) -> None:
    """Print each line."""
    for line in lines:
        click.echo(line)
