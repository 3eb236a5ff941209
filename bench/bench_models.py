"""Import cost and model parsing: skykit versus the ``atproto`` package, same run.

Run: ``python bench/bench_models.py``. Prints medians of fresh-process runs (import and
first parse) and best-of timings (warm parse and dump) on a real 100-item getTimeline.
"""

from __future__ import annotations

import json
import sys

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))

from _util import CORPORA, best_of, fresh, table

TIMELINE = CORPORA / "real" / "atproto-dart" / "responses" / "app.bsky.feed.getTimeline.json"

IMPORT = {
    "skykit": "import skykit; skykit.Client",
    "atproto": "from atproto import Client",
}
MODEL = {
    "skykit": "from skykit.lex.app.bsky.feed import get_timeline; cls = get_timeline.Output",
    "atproto": "from atproto import models; cls = models.AppBskyFeedGetTimeline.Response",
}

IMPORT_CODE = """
import json, resource, time
t = time.perf_counter()
{stmt}
elapsed = time.perf_counter() - t
print(json.dumps({{"ms": elapsed * 1000, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

FIRST_PARSE_CODE = """
import json, time
data = json.load(open({path!r}))
data["feed"] = data["feed"][:100]
t0 = time.perf_counter()
{stmt}
t1 = time.perf_counter()
cls.model_validate(data)
t2 = time.perf_counter()
print(json.dumps({{"import_ms": (t1 - t0) * 1000, "parse_ms": (t2 - t1) * 1000, "total_ms": (t2 - t0) * 1000}}))
"""


def main() -> None:
    imports = {name: fresh(IMPORT_CODE.format(stmt=stmt)) for name, stmt in IMPORT.items()}
    table(
        "Fresh process: `import skykit; skykit.Client` vs `from atproto import Client`",
        [
            ("wall time", imports["skykit"]["ms"], imports["atproto"]["ms"], "ms"),
            ("peak RSS", imports["skykit"]["rss_mb"], imports["atproto"]["rss_mb"], "MB"),
        ],
    )
    first = {
        name: fresh(FIRST_PARSE_CODE.format(path=str(TIMELINE), stmt=stmt))
        for name, stmt in MODEL.items()
    }
    table(
        "Fresh process: first parse of a 100-item getTimeline (median of 5)",
        [
            ("import the model", first["skykit"]["import_ms"], first["atproto"]["import_ms"], "ms"),
            ("first parse", first["skykit"]["parse_ms"], first["atproto"]["parse_ms"], "ms"),
            (
                "import + first parse",
                first["skykit"]["total_ms"],
                first["atproto"]["total_ms"],
                "ms",
            ),
        ],
    )

    from atproto import models

    from skykit.lex.app.bsky.feed import get_timeline

    data = json.loads(TIMELINE.read_text())
    data["feed"] = data["feed"][:100]
    ours = get_timeline.Output.model_validate(data)
    theirs = models.AppBskyFeedGetTimeline.Response.model_validate(data)
    assert ours.to_json() == data
    table(
        "Warm: same process, best of 7",
        [
            (
                "parse 100 feed items",
                best_of(lambda: get_timeline.Output.model_validate(data)) * 1000,
                best_of(lambda: models.AppBskyFeedGetTimeline.Response.model_validate(data)) * 1000,
                "ms",
            ),
            (
                "dump back to JSON",
                best_of(ours.to_json) * 1000,
                best_of(lambda: theirs.model_dump(mode="json", by_alias=True, exclude_none=True))
                * 1000,
                "ms",
            ),
        ],
    )
    back = theirs.model_dump(mode="json", by_alias=True, exclude_none=True)
    print(f"\n  dump equals the input: skykit {ours.to_json() == data}, atproto {back == data}")


if __name__ == "__main__":
    main()
