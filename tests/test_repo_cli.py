"""``skykit repo ls|export|verify|info`` on real and built repos."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from skykit.cli import main
from skykit.crypto import Keypair
from skykit.data import CID, encode_dag_cbor, from_json
from skykit.repo import Repo
from tests import corpora

JETSTREAM = ("real", "jetstream", "corpus")


def test_ls_prints_the_expected_listing(capsys: pytest.CaptureFixture[str]) -> None:
    path = corpora.path(*JETSTREAM, "repo.car")
    assert main(["repo", "ls", str(path)]) == 0
    expected = corpora.path(*JETSTREAM, "car_expected_records.tsv").read_text()
    assert capsys.readouterr().out == expected
    assert main(["repo", "ls", str(path), "--collection", "app.bsky.feed.post"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6
    assert all(line.startswith("app.bsky.feed.post/") for line in lines)


def test_export_writes_exact_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = corpora.path("real", "atproto-dart", "repo.car")
    assert main(["repo", "export", str(path), "--out", str(tmp_path)]) == 0
    summary = capsys.readouterr().out.splitlines()
    files = sorted(tmp_path.glob("*.jsonl"))
    assert len(files) == len(summary) == 10
    total = 0
    for file in files:
        for line in file.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            # atproto JSON back to the data model re-encodes to the record's own CID.
            value = from_json(item["value"])
            assert str(CID.compute(encode_dag_cbor(value))) == item["cid"]
            assert item["uri"].endswith(f"/{file.stem}/{item['rkey']}")
            total += 1
    assert total == 2836


def test_verify_and_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = Keypair.generate("k256")
    records = [("app.bsky.feed.like", f"3k{n:011d}", {"n": n}) for n in range(20)]
    path = tmp_path / "repo.car"
    path.write_bytes(Repo.build("did:web:example.com", records, key).to_car())
    assert main(["repo", "verify", str(path), "--did-key", key.did_key()]) == 0
    assert "verified: did:web:example.com" in capsys.readouterr().out
    other = Keypair.generate("k256").did_key()
    assert main(["repo", "verify", str(path), "--did-key", other]) == 1
    assert "does not verify" in capsys.readouterr().err
    assert main(["repo", "info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "DID:      did:web:example.com" in out
    assert "app.bsky.feed.like\t20" in out


def test_bad_file_is_a_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "junk.car"
    path.write_bytes(b"\x05junk")
    assert main(["repo", "info", str(path)]) == 1
    assert capsys.readouterr().err.startswith("skykit repo: CAR")
    assert main(["repo", "ls", str(tmp_path / "missing.car")]) == 1
    assert "cannot open" in capsys.readouterr().err


def test_python_dash_m_runs_the_repo_commands() -> None:
    path = corpora.path(*JETSTREAM, "repo.car")
    result = subprocess.run(
        [sys.executable, "-m", "skykit", "repo", "ls", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("app.bsky.actor.profile/self\tbafy")


def test_progress_is_shown_only_on_a_terminal() -> None:
    import io
    import itertools

    from skykit.repo import cli

    ticks = itertools.count()

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for stream, shown in ((Terminal(), True), (io.StringIO(), False)):
        progress = cli._Progress("listing", stream, clock=lambda: float(next(ticks)))
        for _ in range(600):
            progress.step()
        progress.done()
        assert progress.count == 600
        assert ("listing: 512 records" in stream.getvalue()) is shown
        assert stream.getvalue().endswith("\r\033[K") is shown
