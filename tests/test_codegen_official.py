"""The official bindings in ``skykit.lex``: current, complete, exact on real data, lazy."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import skykit.lex
from skykit.data import CID, decode_dag_cbor
from skykit.lex.app.bsky.embed import images
from skykit.lex.app.bsky.feed import post
from skykit.lexicon import LexiconValidationError
from skykit.models import LexModel, model_for_type
from skykit.repo import read_car
from tests import corpora
from tests.corpora import ROOT
from tests.test_real_blocks import _relay_frames, _split_frame

RESPONSES = (
    sorted((corpora.CORPORA / "real" / "atproto-dart" / "responses").glob("*.json"))
    if corpora.available()
    else []
)


def test_generated_code_matches_the_generator_and_lexicons(tmp_path: Path) -> None:
    from skykit_codegen import generate

    generate([ROOT / "lexicons"], tmp_path, "skykit.lex")
    fresh = {p.relative_to(tmp_path): p.read_text() for p in tmp_path.rglob("*.py")}
    shipped = {
        p.relative_to(ROOT / "src"): p.read_text() for p in (ROOT / "src/skykit/lex").rglob("*.py")
    }
    assert sorted(fresh) == sorted(shipped)
    stale = [str(path) for path, text in fresh.items() if shipped[path] != text]
    assert not stale, f"regenerate with `python -m skykit_codegen`: {stale[:5]}"


def test_every_official_lexicon_has_a_module_whose_models_all_build() -> None:
    assert len(skykit.lex.INDEX) == 387
    built = 0
    for nsid, module_name in skykit.lex.INDEX.items():
        module = importlib.import_module(module_name)
        assert module.NSID == nsid
        main = module.LEXICON["defs"].get("main", {})
        if main.get("type") in ("query", "procedure"):
            assert hasattr(module, "Call")
            assert hasattr(module, "AsyncCall")
        for value in vars(module).values():
            is_model = isinstance(value, type) and issubclass(value, LexModel)
            if is_model and value.__module__ == module_name:
                value.model_rebuild(raise_errors=True)
                built += 1
    assert built > 700


@pytest.mark.parametrize("path", RESPONSES, ids=[p.stem for p in RESPONSES])
def test_real_responses_parse_and_dump_back_unchanged(path: Path) -> None:
    module = importlib.import_module(skykit.lex.INDEX[path.stem])
    wire = json.loads(path.read_text())
    output = module.Output.model_validate(wire)
    assert output.to_json() == wire
    assert output.model_dump(mode="json", by_alias=True, exclude_unset=True) == wire


def _record_blocks() -> list[bytes]:
    blocks = []
    for parts in (("atproto-dart", "repo.car"), ("jetstream", "corpus", "repo.car")):
        blocks += [b.data for b in read_car(corpora.path("real", *parts))]
    for frame in _relay_frames():
        body = decode_dag_cbor(_split_frame(frame)[1])
        if isinstance(body.get("blocks"), bytes):
            blocks += [b.data for b in read_car(body["blocks"])]  # type: ignore[arg-type]
    return blocks


def test_every_real_record_parses_into_its_model_and_re_encodes_exactly() -> None:
    typed = untyped = 0
    for block in _record_blocks():
        value = decode_dag_cbor(block)
        kind = value.get("$type")
        if not isinstance(kind, str):
            continue  # commits and MST nodes
        model = model_for_type(kind)
        if model is None:
            untyped += 1  # a collection no lexicon here describes: stays data
            continue
        record = model.model_validate(value)
        assert record.to_dag_cbor() == block
        assert record.to_cid() == CID.compute(block)
        typed += 1
    assert typed > 2900
    assert untyped > 0


def test_building_a_post_is_strict_and_writes_types() -> None:
    image = images.Image(
        image={
            "$type": "blob",
            "ref": {"$link": str(CID.compute(b"x", 0x55))},
            "mimeType": "image/png",
            "size": 1,
        },
        alt="a square",
    )
    record = post.Record(
        text="hello 👋", created_at="2026-11-25T10:00:00.000Z", embed=images.Main(images=[image])
    )
    wire = record.to_json()
    assert wire["$type"] == "app.bsky.feed.post"
    assert wire["embed"]["$type"] == "app.bsky.embed.images"
    assert "$type" not in wire["embed"]["images"][0]
    with pytest.raises(LexiconValidationError, match="graphemes"):
        post.Record(text="👋" * 301, created_at="2026-11-25T10:00:00.000Z")
    assert issubclass(post.Record, LexModel)


def _modules_loaded(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint(' '.join(m for m in sys.modules if m.startswith('skykit.lex.')))"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return set(result.stdout.split())


def test_generated_modules_load_lazily() -> None:
    assert _modules_loaded("import skykit") == set()
    loaded = _modules_loaded("from skykit.lex.app.bsky.feed import post")
    assert "skykit.lex.app.bsky.feed.post" in loaded
    assert "skykit.lex.app.bsky.embed.images" not in loaded  # not until a post is read
    used = _modules_loaded(
        "from skykit.lex.app.bsky.feed import post\n"
        "post.Record.model_validate({'text': 'hi', 'createdAt': '2026-01-01T00:00:00Z'})"
    )
    assert "skykit.lex.app.bsky.embed.images" in used
    assert "skykit.lex.app.bsky.feed.defs" not in used  # views are not reachable from a post
