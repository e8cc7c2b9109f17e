"""``crawl -s KEY=VALUE``: a value the setting cannot take is a usage error, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.overrides import SettingError, parse_overrides
from tests.conftest import invoke_cli


def test_values_of_the_settings_type_pass_through_as_given() -> None:
    middlewares = '{"crawler.middlewares.PageSizeMiddleware": 5}'
    pairs = ["DOWNLOAD_DELAY=0.25", "AUTOTHROTTLE_ENABLED=false",
             f"DOWNLOADER_MIDDLEWARES={middlewares}", "LOG_LEVEL=DEBUG", "NEW_SETTING=anything"]
    assert parse_overrides(pairs) == {
        "DOWNLOAD_DELAY": "0.25", "AUTOTHROTTLE_ENABLED": "false",
        "DOWNLOADER_MIDDLEWARES": middlewares, "LOG_LEVEL": "DEBUG",
        "NEW_SETTING": "anything",
    }


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("DOWNLOAD_DELAY=abc", "DOWNLOAD_DELAY takes a number"),
        ("CONCURRENT_REQUESTS_PER_DOMAIN=two", "takes a number"),
        ("AUTOTHROTTLE_ENABLED=maybe", "takes true/false"),
        ("DOWNLOADER_MIDDLEWARES={bad", "takes a JSON object"),
        ("NOEQUALS", "expects KEY=VALUE"),
        ('DOWNLOADER_MIDDLEWARES={"no.such.Class": 500}', "cannot import 'no.such.Class'"),
        ('ITEM_PIPELINES={"crawler.pipelines.NoSuchPipeline": 1}', "cannot import"),
        ('DOWNLOAD_HANDLERS={"http": "no.such.Handler"}', "cannot import 'no.such.Handler'"),
        ("SCHEDULER=no.such.Scheduler", "-s SCHEDULER: cannot import"),
    ],
)
def test_a_value_the_setting_cannot_take_is_refused(pair: str, message: str) -> None:
    with pytest.raises(SettingError, match=message):
        parse_overrides([pair])


@pytest.mark.parametrize(
    ("setting", "error"),
    [
        ("DOWNLOAD_DELAY=abc", "-s DOWNLOAD_DELAY='abc': DOWNLOAD_DELAY takes a number"),
        (
            'DOWNLOADER_MIDDLEWARES={"no.such.Class": 500}',
            "-s DOWNLOADER_MIDDLEWARES: cannot import 'no.such.Class' "
            "(not a class path that exists)",
        ),
    ],
)
def test_crawl_with_a_bad_setting_says_so_in_one_line(
    tmp_path: Path, setting: str, error: str
) -> None:
    # in this process (an exception fails the test): the check comes before any reactor
    result = invoke_cli(tmp_path, "crawl", "--url", "http://127.0.0.1:9/a", "-s", setting)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == f"Error: {error}"
    assert not (tmp_path / "archive.db").exists()
