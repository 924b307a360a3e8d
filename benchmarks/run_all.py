"""Run every benchmark and print one line per figure: ``name value unit (goal: ...) OK|FAIL``.

Each ``benchmarks/bench_*.py`` exposes ``run() -> list[dict]`` with rows
``{"name", "value", "unit", "goal", "ok"}``. The figures are also written to
``benchmarks/results/latest.json`` (and a timestamped copy) so runs can be compared.

Usage: ``python benchmarks/run_all.py [NAME ...]`` where NAME filters bench modules
(``editor``, ``client``, ...).
"""

from __future__ import annotations

import importlib.util
import json
import platform
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def format_row(row: dict) -> str:
    ok = row.get("ok")
    verdict = "" if ok is None else (" OK" if ok else " FAIL")
    goal = f" (goal: {row['goal']})" if row.get("goal") else ""
    value = row["value"]
    shown = f"{value:.4g}" if isinstance(value, float) else str(value)
    return f"{row['name']} {shown} {row.get('unit', '')}{goal}{verdict}"


def main(argv: list[str]) -> int:
    modules = sorted(HERE.glob("bench_*.py"))
    if argv:
        modules = [m for m in modules if any(name in m.stem for name in argv)]
    results: list[dict] = []
    failures = 0
    for path in modules:
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        print(f"# {path.stem}", flush=True)
        started = time.perf_counter()
        try:
            spec.loader.exec_module(module)
            rows = module.run()
        except Exception:
            traceback.print_exc()
            failures += 1
            results.append({"bench": path.stem, "error": traceback.format_exc(limit=3)})
            continue
        for row in rows:
            print(format_row(row), flush=True)
            results.append({"bench": path.stem, **row})
            if row.get("ok") is False:
                failures += 1
        print(f"# {path.stem} took {time.perf_counter() - started:.1f} s", flush=True)
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "figures": results,
    }
    text = json.dumps(report, indent=2)
    (out_dir / "latest.json").write_text(text)
    (out_dir / f"bench-{report['when'].replace(':', '')}.json").write_text(text)
    summary = f"{len(results)} figures, {failures} missed goals or errors"
    print(f"# {summary}; written to {out_dir / 'latest.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
