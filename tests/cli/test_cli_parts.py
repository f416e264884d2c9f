"""The parts of ``woo`` that need no platform: arguments, configuration, durations, output."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from orchestrator.models import StoreStatus
from tests.cli.conftest import cli_environment, run_woo
from woo_cli.config import ConfigError, load_config
from woo_cli.durations import duration
from woo_cli.output import column, emit
from woo_cli.statuses import STORE_STATUSES


def test_the_cli_knows_every_status_of_the_api() -> None:
    assert set(STORE_STATUSES) == {status.value for status in StoreStatus}


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("90s", 90), ("10m", 600), ("1h30m", 5400), ("0.5", 0.5)]
)
def test_durations(text: str, seconds: float) -> None:
    assert duration(text) == seconds


@pytest.mark.parametrize("text", ["", "10x", "m", "10m5", "-3", "0", "1h 2m"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        duration(text)


def test_usage_errors_exit_2_before_any_request(tmp_path: Path) -> None:
    # No platform listens at this URL: usage errors never get that far.
    env = cli_environment(tmp_path, WOO_URL="http://127.0.0.1:9")
    assert run_woo(env, "stores", "wait", "x", "--for", "Redy").code == 2
    assert run_woo(env, "stores", "wait", "x", "--timeout", "soon").code == 2
    assert run_woo(env, "stores").code == 2
    bad_url = run_woo(cli_environment(tmp_path, WOO_URL="ftp://x"), "stores", "list")
    assert bad_url.code == 2
    assert "http:// or https://" in bad_url.stderr


def test_the_environment_wins_over_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('url = "http://from-file:1"\ntoken = "file-token"\n')
    from_file = load_config(None, {"WOO_CONFIG": str(config)})
    assert (from_file.url, from_file.token) == ("http://from-file:1", "file-token")
    from_env = load_config(
        None, {"WOO_CONFIG": str(config), "WOO_URL": "http://env:2/", "WOO_TOKEN": "env-token"}
    )
    assert (from_env.url, from_env.token) == ("http://env:2", "env-token")
    assert load_config("https://flag:3", {"WOO_URL": "http://env:2"}).url == "https://flag:3"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("url = ", "cannot read"),
        ('url = "http://x"\npassword = "p"\n', "unknown keys password"),
        ("token = 5\n", "token must be a string"),
    ],
)
def test_a_broken_config_file_is_named(tmp_path: Path, content: str, message: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_config(None, {"WOO_CONFIG": str(config)})


def test_a_missing_config_file_named_by_woo_config_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a file"):
        load_config(None, {"WOO_CONFIG": str(tmp_path / "absent.toml")})


def test_tables_align_and_keep_one_line_per_row() -> None:
    out = io.StringIO()
    rows: list[dict[str, str | None]] = [
        {"id": "a", "note": None},
        {"id": "bbbb", "note": "two\nlines"},
    ]
    emit(rows, [column("ID", "id"), column("NOTE", "note")], "table", out)
    assert out.getvalue().splitlines() == ["ID    NOTE", "a     -", "bbbb  two lines"]


def test_json_output_is_the_objects_unchanged() -> None:
    out = io.StringIO()
    emit({"id": "a", "n": 1}, [column("ID", "id")], "json", out)
    assert out.getvalue() == '{\n  "id": "a",\n  "n": 1\n}\n'
