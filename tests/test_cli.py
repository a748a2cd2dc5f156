"""The ``newscrawl`` command as a new user meets it (issue 13, points 1, 2, 9 and 12).

Every command runs in a subprocess, as users run it, with a controlled environment: where
``STORE_URL`` and ``REDIS_URL`` come from (flag > environment > project settings), that a
reading command never creates a store, that plain mistakes give one line and a documented
exit status (never a traceback), and that every sub-command's ``--help`` says what each
argument is and what its default really is.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MIRROR, ROOT, scrapy_command

from newscrawl.cli import build_parser
from newscrawl.storage import open_store

SAMPLE = "https://www.spacewar.com/afp/250822091400.8jscpt2f.html"
SAMPLE_PAGE = MIRROR / "www.spacewar.com" / "afp" / "250822091400.8jscpt2f.html"
DEAD_REDIS = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there
# The exit statuses README.md documents for the newscrawl command.
EXIT_FAILED, EXIT_USAGE, EXIT_BROKEN_PIPE = 1, 2, 141


def run_cli(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None,
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """``python -m newscrawl.cli ARGS``; STORE_URL and REDIS_URL only as ``env`` gives them."""
    full = {k: v for k, v in os.environ.items() if k not in ("STORE_URL", "REDIS_URL")}
    full["PYTHONPATH"] = str(ROOT)
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", *args],
        cwd=cwd, env=full, input=stdin, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def stored(store_url: str, count: int, prefix: str = "s") -> None:
    """A store holding ``count`` records."""
    store = open_store(store_url)
    for n in range(count):
        store.add_article({
            "url": f"https://spacewar.com/reports/{prefix}{n}_999.html", "site": "spacewar.com",
            "headline": f"Story {prefix}{n}", "body": f"Body {prefix}{n}.",
            "fingerprint": f"{prefix}{n}",
        })  # fmt: skip
    store.close()


def project(tmp_path: Path) -> Path:
    """A project folder (its scrapy.cfg) to run commands in, away from the repository."""
    folder = tmp_path / "project"
    folder.mkdir()
    shutil.copy(ROOT / "scrapy.cfg", folder / "scrapy.cfg")
    return folder


def one_line_error(result: subprocess.CompletedProcess[str], status: int, *words: str) -> None:
    assert result.returncode == status, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


# -- 1. STORE_URL and REDIS_URL: flag > environment > project settings ---------------------


def test_export_reads_the_store_the_environment_names(tmp_path: Path) -> None:
    folder = project(tmp_path)
    stored(f"sqlite:///{folder}/newscrawl.db", 2, "local")
    env_store = f"sqlite:///{tmp_path / 'env.db'}"
    flag_store = f"sqlite:///{tmp_path / 'flag.db'}"
    stored(env_store, 3, "env")
    stored(flag_store, 5, "flag")

    def count(*args: str, env: dict[str, str] | None = None) -> int:
        result = run_cli("export", *args, cwd=folder, env=env)
        assert result.returncode == 0, result.stderr
        return len(result.stdout.splitlines())

    assert count() == 2  # the project's STORE_URL (sqlite:///newscrawl.db, here)
    assert count(env={"STORE_URL": env_store}) == 3  # the environment over the project
    assert count("--store", flag_store, env={"STORE_URL": env_store}) == 5  # the flag over both
    assert count(env={"STORE_URL": ""}) == 2  # an empty variable counts as unset


def test_enqueue_and_fleet_use_redis_url_from_the_environment(redis_server) -> None:
    url = "https://www.spacewar.com/Military_Space.html"
    done = run_cli("enqueue", "smn", url, env={"REDIS_URL": redis_server.url})
    assert done.returncode == 0, done.stderr
    status = run_cli("fleet", "smn", env={"REDIS_URL": redis_server.url})
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["start_urls"] >= 1
    # The flag wins over the environment: a dead REDIS_URL in the environment is not used.
    again = run_cli("fleet", "smn", "--redis", redis_server.url, env={"REDIS_URL": DEAD_REDIS})
    assert again.returncode == 0, again.stderr
    # And the environment is what is used without a flag: one line naming the failure.
    dead = run_cli("fleet", "smn", env={"REDIS_URL": DEAD_REDIS})
    one_line_error(dead, EXIT_FAILED, "newscrawl fleet:", "127.0.0.1:9")
    nothing = run_cli("enqueue", "smn", url)
    one_line_error(nothing, EXIT_USAGE, "REDIS_URL")


def test_spiders_take_store_and_redis_urls_from_the_environment(tmp_path: Path) -> None:
    """Scrapy applies no environment variable to a setting; settings.py reads them."""

    def setting(name: str, *args: str, env: dict[str, str] | None = None) -> str:
        clean = {"STORE_URL": "", "REDIS_URL": ""}
        result = scrapy_command("settings", "--get", name, *args, env={**clean, **(env or {})})
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert setting("STORE_URL") == "sqlite:///newscrawl.db"
    assert setting("STORE_URL", env={"STORE_URL": "sqlite:///env.db"}) == "sqlite:///env.db"
    assert setting("STORE_URL", "-s", "STORE_URL=sqlite:///flag.db",
                   env={"STORE_URL": "sqlite:///env.db"}) == "sqlite:///flag.db"  # fmt: skip
    assert setting("REDIS_URL") == "None"
    assert setting("REDIS_URL", env={"REDIS_URL": "redis://127.0.0.1:9/0"}) == DEAD_REDIS


def test_a_crawl_stores_into_the_store_the_environment_names(tmp_path: Path) -> None:
    folder = project(tmp_path)
    store = tmp_path / "from-env.db"
    result = scrapy_command(
        "crawl", "spacewar", "-s", f"MIRROR_DIR={MIRROR}", "-s", "EXTRACTION_WORKERS=0",
        "-L", "WARNING", cwd=folder,
        env={"STORE_URL": f"sqlite:///{store}", "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert not (folder / "newscrawl.db").exists()
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] > 0


# -- 2. reading commands never create a store ----------------------------------------------


def test_export_of_a_missing_sqlite_store_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    result = run_cli("export", "--store", f"sqlite:///{missing}")
    one_line_error(result, EXIT_FAILED, "newscrawl export:", str(missing), "no such store")
    assert list(tmp_path.iterdir()) == []
    folder = project(tmp_path)  # the project's default store, missing too
    result = run_cli("export", "--new", "--cursor", "c", "-o", "x.jsonl", cwd=folder)
    one_line_error(result, EXIT_FAILED, "newscrawl.db")
    assert sorted(p.name for p in folder.iterdir()) == ["scrapy.cfg"]


def test_export_of_a_file_that_is_not_a_store_leaves_it_alone(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    before = other.read_bytes()
    result = run_cli("export", "--store", f"sqlite:///{other}")
    one_line_error(result, EXIT_FAILED, "not a newscrawl store")
    assert other.read_bytes() == before


def test_export_of_an_empty_postgres_database_is_an_error_and_creates_nothing(postgres) -> None:
    import psycopg

    url = postgres.new_database()
    result = run_cli("export", "--store", url)
    one_line_error(result, EXIT_FAILED, "not a newscrawl store")
    with psycopg.connect(url) as db:
        tables = db.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert tables.fetchone()[0] == 0
    stored(url, 2)  # the crawl's path creates it; then export reads it
    assert len(run_cli("export", "--store", url).stdout.splitlines()) == 2


def test_the_crawl_path_still_creates_a_store(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'new' / 'fresh.db'}")
    assert list(store.articles()) == []
    store.close()
    assert (tmp_path / "new" / "fresh.db").is_file()


# -- 9. plain mistakes: one line, a documented exit status ----------------------------------


def test_dedup_of_a_missing_feed_is_one_line(tmp_path: Path) -> None:
    result = run_cli("dedup", str(tmp_path / "missing.jsonl"))
    one_line_error(result, EXIT_FAILED, "newscrawl dedup:", "missing.jsonl")


def test_dedup_into_a_missing_folder_is_one_line_before_any_work(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"url": "https://a.example/1", "headline": "H", "body": "B"}) + "\n")
    result = run_cli("dedup", str(feed), "-o", "/no/such/dir/x.jsonl")
    one_line_error(result, EXIT_FAILED, "newscrawl dedup:", "/no/such/dir")


def test_extract_of_a_missing_manifest_is_one_line(tmp_path: Path) -> None:
    result = run_cli("extract", "--manifest", str(tmp_path / "missing.jsonl"))
    one_line_error(result, EXIT_FAILED, "newscrawl extract:", "missing.jsonl")


def test_extract_exits_non_zero_when_an_input_failed(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    shutil.copy(SAMPLE_PAGE, tmp_path / "pages" / "a.html")
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(
        json.dumps({"id": "a", "path": "pages/a.html", "url": SAMPLE}) + "\n"
        + json.dumps({"id": "b", "path": "pages/missing.html"}) + "\n"
    )  # fmt: skip
    # Paths are relative to the manifest's folder, wherever the command runs.
    result = run_cli("extract", "--manifest", str(manifest), cwd=ROOT / "fixtures")
    assert result.returncode == EXIT_FAILED, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["headline"] and "error" not in lines[0]
    assert "FileNotFoundError" in lines[1]["error"]
    one_line_error(result, EXIT_FAILED, "newscrawl extract: 1 of 2 inputs failed")
    good = run_cli("extract", "--url", SAMPLE, str(SAMPLE_PAGE))
    assert good.returncode == 0 and good.stderr == ""


def test_export_into_a_closed_pipe_is_one_line_and_keeps_the_cursor(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    stored(url, 3000)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = f"{sys.executable} -m newscrawl.cli export --store {url} --new --cursor c | head -1"
    result = subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert len(result.stdout.splitlines()) == 1
    one_line_error(result, EXIT_BROKEN_PIPE, "newscrawl export:", "broken pipe")
    # The batch was not delivered: the cursor did not move, the next export repeats it.
    again = run_cli("export", "--store", url, "--new", "--cursor", "c", "-o", "all.jsonl",
                    cwd=tmp_path)  # fmt: skip
    assert again.returncode == 0 and "exported 3000 records" in again.stderr


def test_dedup_into_a_closed_pipe_is_one_line(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    with feed.open("w") as out:
        for n in range(3000):
            words = " ".join(f"w{n}x{k}" for k in range(40))
            out.write(json.dumps({"url": f"https://a.example/{n}", "headline": f"H{n}",
                                  "body": words}) + "\n")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = f"{sys.executable} -m newscrawl.cli dedup {feed} | head -1"
    result = subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    one_line_error(result, EXIT_BROKEN_PIPE, "newscrawl dedup:", "broken pipe")


def test_usage_errors_exit_2() -> None:
    assert run_cli("export", "--new").returncode == EXIT_USAGE
    assert run_cli("extract").returncode == EXIT_USAGE
    assert run_cli("nonsense").returncode == EXIT_USAGE


# -- 12. help texts -----------------------------------------------------------------------


def sub_commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    choices = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(choices.choices)


@pytest.mark.parametrize("name", ["", *sorted(sub_commands())])
def test_help_is_plain_text_and_describes_every_argument(name: str) -> None:
    result = run_cli(*([name] if name else []), "--help")
    assert result.returncode == 0
    text = result.stdout
    assert "`" not in text, "reStructuredText markup in the help"
    assert not re.search(r":(mod|class|func|meth|data):", text)
    # Nothing a user of the command does not have: no module paths, no files outside it.
    assert not re.search(r"\bnewscrawl\.(?!db\b)[a-z_]+\b", text), text
    assert "../" not in text and "shared/" not in text
    parser = sub_commands()[name] if name else build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.help and action.help.strip(), f"{name}: {action.dest} has no help"
        default = action.default
        if default not in (None, False, argparse.SUPPRESS) and not isinstance(default, list):
            # A default the command really uses is printed, as the command uses it.
            assert "%(default)s" in action.help or str(default) in action.help, action.dest


def test_help_states_where_urls_come_from() -> None:
    for name, flag in (("export", "--store"), ("enqueue", "--redis"), ("fleet", "--redis")):
        text = " ".join(run_cli(name, "--help").stdout.split())
        setting = "STORE_URL" if flag == "--store" else "REDIS_URL"
        assert f"default: ${setting} from the environment, else the project's {setting}" in text
    export = " ".join(run_cli("export", "--help").stdout.split())
    assert "sqlite:///newscrawl.db" in export
    extract = " ".join(run_cli("extract", "--help").stdout.split())
    assert "relative to the manifest's folder" in extract
    assert "exit status" in run_cli("--help").stdout
