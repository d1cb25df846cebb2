"""The reading-room terminal's first screen on a cold browser: ``.venv/bin/python -m bench.reading_room_start``.

Starts a real server (``bench.reading_room_live``: embedded services, the demo province), then opens
``/reading-room/?terminal=bench-hall`` in Debian's Chromium at 1080×1920, each time in a new browser
context (an empty cache, no service worker), and reads the Performance mark the app sets when the home
screen's data is in the DOM (``reading-room:home-rendered``, from navigation start). The same is done,
alternately in the same run, for a static HTML page served by the same server process
(``/bench/baseline.html``), and the terminal's figures are printed as a ratio to it. The first load after
the server started (persisted queries not yet registered, response cache empty) is printed apart.

A benchmark, not a test: it prints numbers and asserts nothing (the issue's target, under 2 s, is printed
beside). Options: ``--runs N`` (default 15), ``--warmup N`` (default 2), ``--json FILE``.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

from bench.reading_room_live import TERMINAL, live_server, require_tools, run_node
from bench.reading_room_server import MARK

HERE = Path(__file__).resolve().parent
TARGET_MS = 2000.0


def p90(values: list[float]) -> float:
    """The 90th percentile, nearest rank (no interpolation between two runs' values)."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 9 // 10) - 1)]


def summary(samples: list[dict[str, Any]]) -> dict[str, float]:
    marks = [s["ms"] for s in samples]
    paints = [s["fcp"] for s in samples if s["fcp"] is not None]
    return {
        "median ms": statistics.median(marks),
        "p90 ms": p90(marks),
        "min ms": min(marks),
        "FCP median ms": statistics.median(paints) if paints else float("nan"),
        "TTFB median ms": statistics.median(s["ttfb"] for s in samples),
        "kB transferred": statistics.median(s["bytes"] for s in samples) / 1000,
        "requests": statistics.median(s["requests"] for s in samples),
    }


def report(result: dict[str, Any], runs: int) -> dict[str, Any]:
    rows = {kind: summary(result["samples"][kind]) for kind in ("terminal", "baseline")}
    columns = list(rows["terminal"])
    print(f"Chromium {result['chromium']}, 1080×1920, {runs} cold loads each (new context: empty cache)")
    print(f"{'':>10} | " + " | ".join(f"{c:>14}" for c in columns))
    for kind, row in rows.items():
        print(f"{kind:>10} | " + " | ".join(f"{row[c]:>14.1f}" for c in columns))
    terminal, baseline = rows["terminal"], rows["baseline"]
    ratios = {
        "median": terminal["median ms"] / baseline["median ms"],
        "p90": terminal["p90 ms"] / baseline["p90 ms"],
    }
    print(f"terminal / baseline: median ×{ratios['median']:.1f}, p90 ×{ratios['p90']:.1f}")
    first = result["first"]
    print(
        f"first load after the server started: terminal {first['terminal']['ms']:.0f} ms"
        f" ({first['terminal']['requests']} requests), baseline {first['baseline']['ms']:.0f} ms"
    )
    met = "met" if terminal["p90 ms"] < TARGET_MS else "NOT met"
    print(f"target: the first screen of a cold terminal under {TARGET_MS:.0f} ms (p90): {met}")
    return {"rows": rows, "ratios": ratios, "first": first, "chromium": result["chromium"]}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15, help="cold loads of each page (default 15)")
    parser.add_argument(
        "--warmup", type=int, default=2, help="loads of each page before measuring (default 2)"
    )
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args()
    node = require_tools()
    with live_server() as base:
        result = run_node(
            node,
            HERE / "reading_room_start.mjs",
            base,
            {"runs": args.runs, "warmup": max(1, args.warmup), "terminal": TERMINAL, "mark": MARK},
        )
    numbers = report(result, args.runs)
    if args.json:
        args.json.write_text(json.dumps(numbers, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
