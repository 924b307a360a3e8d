"""Run every benchmark and print one line per figure: ``name value unit (goal: ...) OK|FAIL``.

Each ``benchmarks/bench_*.py`` exposes ``run() -> list[dict]`` with rows
``{"name", "value", "unit", "goal", "ok"}``. The figures are also written to
``benchmarks/results/latest.json`` (and a timestamped copy) so runs can be compared.

Usage: ``python benchmarks/run_all.py [NAME ...]`` where NAME filters bench modules
(``editor``, ``client``, ...). Each module runs in a fresh interpreter, so one benchmark's memory,
threads or Qt state cannot skew the next one's figures.
"""

from __future__ import annotations

import importlib.util
import json
import platform
import subprocess
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


_ROWS = "@@bench-rows@@ "


def _child(path: Path) -> int:
    """Run one benchmark module in this (fresh) process and print its rows as one JSON line."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    rows = module.run()
    print(_ROWS + json.dumps(rows, default=float), flush=True)
    return 0


def _run_module(path: Path) -> list[dict]:
    """Each module gets its own interpreter: memory, threads and Qt state of one never skew another."""
    done = subprocess.run([sys.executable, __file__, "--one", str(path)], capture_output=True, text=True)
    sys.stderr.write(done.stderr)
    for line in done.stdout.splitlines():
        if line.startswith(_ROWS):
            return json.loads(line[len(_ROWS):])
        print(line, flush=True)
    raise RuntimeError(f"{path.stem} exited with {done.returncode} and no figures:\n{done.stderr[-2000:]}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        return _child(Path(argv[1]))
    modules = sorted(HERE.glob("bench_*.py"))
    if argv:
        modules = [m for m in modules if any(name in m.stem for name in argv)]
    results: list[dict] = []
    failures = 0
    for path in modules:
        print(f"# {path.stem}", flush=True)
        started = time.perf_counter()
        try:
            rows = _run_module(path)
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
