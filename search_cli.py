"""news-archive: crawl news sites into an archive, search it, export it.

One click group over the commands of :mod:`crawler.commands` (bringing articles in, and
taking them out),
:mod:`indexer.commands.reading` (search, show...) and :mod:`indexer.commands.upkeep` (index,
export). Each command checks its input, calls the library (``crawler``, ``indexer``)
and prints. Errors a user can fix end in one line on stderr and exit 1; bad usage exits 2.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import click

warnings.filterwarnings("ignore", category=SyntaxWarning, module=r".*whoosh")

from crawler import commands as crawling  # noqa: E402  (after the whoosh warning filter)
from indexer.commands import reading, upkeep  # noqa: E402
from indexer.layout import DataDir  # noqa: E402


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


for command in (
    crawling.crawl,
    upkeep.index,
    reading.show,
    crawling.extract,
    reading.stats,
    reading.search,
    reading.similar,
    upkeep.export,
    crawling.demo,
    reading.raw,
    crawling.reextract,
    crawling.import_warc,
    reading.history,
    crawling.ingest,
    crawling.delete,
    crawling.vacuum,
):
    cli.add_command(command)

if __name__ == "__main__":
    cli()
