"""civicdx benchmark: city-scale import, summaries and pages against a python-calamine baseline.

    make bench                                   # one run, prints a table
    .venv/bin/python bench/run.py --runs 2 --write-md   # two runs, rewrites the numbers in BENCHMARKS.md

Every measured step runs in its own subprocess against a fresh SQLite database in a scratch data dir under
var/bench-run/ (never the developer's var/civicdx.sqlite3). The workbooks are cached in var/bench/full.
See bench/README.md and BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent if (Path(sys.executable).parent / "civicdx").exists() else ROOT / ".venv" / "bin"
PY = str(BIN / "python")
CIVICDX = str(BIN / "civicdx")
WORKBOOKS = ROOT / "var" / "bench" / "full"
SCRATCH = ROOT / "var" / "bench-run"
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
MD_BEGIN = "<!-- bench:numbers:begin (bench/run.py --write-md rewrites this section) -->"
MD_END = "<!-- bench:numbers:end -->"

DEFAULT_SEED = 2021
SECTIONS = 1474
TASKS = 58966
YEAR = "R3"
MUNICIPALITY = "401005"

# Targets.
IMPORT_RATIO_MAX = 3.0  # import wall time / calamine-only wall time
IMPORT_WALL_MAX = 60.0  # s
IMPORT_RSS_MAX = 1.5e9  # bytes (1.5 GB)
SUMMARY_MAX = 1.0  # s
PAGE_MAX = 0.300  # s
# Targets of the BPR analysis (issue "BPR分析").
BPR_EXTRACT_MAX = 10.0  # s, candidate extraction over the full city
BPR_SIMILARITY_MAX = 120.0  # s, similarity grouping over the full city
BPR_SIMILARITY_RSS_MAX = 4e9  # bytes (4 GB)
BPR_PAGE_MAX = 0.500  # s, analysis pages at full scale, server side
BPR_SIMILARITY_TIMEOUT = 600  # s: give up (kill) after this
BPR_REPORT_TIMEOUT = 300  # s

# Targets of 業務フロー・マニュアル (issue "業務フロー・マニュアルのデータベース").
FLOWS_GENERATE_MAX = 120.0  # s, a flow for each of the 58,966 業務
SEARCH_QUERY_MAX = 0.200  # s per query, SQLite, a manual for every 業務
FLOW_PAGE_MAX = 1.0  # s, a flow page in the browser until the diagram is drawn
FLOWS_BENCH = Path(__file__).resolve().parent / "flows_bench.py"

# Target of デジラボ (issue "デジラボ"): the KPI dashboard with five years of ledger, server side, SQLite.
DIGILAB_DASHBOARD_MAX = 0.5  # s
DIGILAB_ENTRIES = 1_000_000
DIGILAB_TIMEOUT = 1800  # s: give up (kill) the worker after this
DIGILAB_BENCH = Path(__file__).resolve().parent / "digilab_bench.py"
MINUTES_BENCH = Path(__file__).resolve().parent / "minutes_bench.py"
MINUTES_RTF_MAX = 0.3          # base model, int8, 2 cores
MINUTES_OVERHEAD_MAX = 15.0    # % over calling faster-whisper directly on the same audio
MINUTES_LONG_RSS_MAX = 3 * 1024 ** 3
MINUTES_TIMEOUT = 3 * 3600
OCR_BENCH = Path(__file__).resolve().parent / "ocr_bench.py"
OCR_ENGINE = "both"                # the default engine of a field: its numbers carry the targets
OCR_SECONDS_MAX = 2.0              # per page, 10–15 fields, 2 cores
OCR_FIELD_ACCURACY_MIN = 99.0      # % of printed fields right after alignment
OCR_UNFLAGGED_MAX = 0.2            # % of fields wrong and not sent to a person
OCR_TIMEOUT = 3600

BY_CHOICES_FALLBACK = ("bureau", "department", "division", "section", "category", "step_kind", "medium", "worker",
                       "busy_month", "matrix")


# --- subprocesses ----------------------------------------------------------------------------------------------

@dataclass
class Measured:
    wall: float  # s
    cpu: float  # s, user + system of the child
    maxrss: int  # bytes, peak resident set of the child
    rc: int
    stdout: str
    stderr: str
    timed_out: bool = False


def run_measured(cmd: list[str], env: dict, *, cwd: Path = ROOT, timeout: float | None = None) -> Measured:
    """Run ``cmd`` and return its wall time and its own peak RSS (os.wait4 gives the rusage of that child only).

    With ``timeout`` the child is killed after that many seconds (``timed_out`` is then set)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        killed = threading.Event()

        def kill():
            killed.set()
            proc.kill()

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            if timer:
                timer.cancel()
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(wall=wall, cpu=usage.ru_utime + usage.ru_stime, maxrss=usage.ru_maxrss * 1024,
                        rc=proc.returncode, stdout=out.read().decode("utf-8", "replace"),
                        stderr=err.read().decode("utf-8", "replace"), timed_out=killed.is_set())


def bench_env(data_dir: Path) -> dict:
    """Environment for a subprocess: its own data dir and SQLite file, DEBUG off, test client host allowed."""
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "civicdx.settings.local",
        "CIVICDX_DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir / 'civicdx.sqlite3'}",
        "CIVICDX_CACHE_DIR": str(data_dir / "cache"),
        "CIVICDX_DEBUG": "0",
        "CIVICDX_ALLOWED_HOSTS": "testserver",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def fresh_data_dir(run_dir: Path, name: str) -> Path:
    path = run_dir / name
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def migrate(data_dir: Path) -> None:
    m = run_measured([CIVICDX, "migrate", "--verbosity", "0"], bench_env(data_dir))
    if m.rc != 0:
        raise SystemExit(f"civicdx migrate failed in {data_dir}:\n{m.stderr[-3000:]}")


def last_json(text: str):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON line in output")


# --- printing ----------------------------------------------------------------------------------------------------

def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"


def fmt_mb(n: int | None) -> str:
    return "—" if n is None else f"{n / 1e6:,.0f} MB"


def verdict(ok: bool | None) -> str:
    return {True: "ok", False: "MISSED", None: ""}[ok]


def pad(text: str, width: int) -> str:
    """Left-justify by display width (全角 characters take two columns)."""
    wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in "WF")
    return text + " " * max(0, width - len(text) - wide)


def line(label: str, value: str, target: str = "", ok: bool | None = None, note: str = "") -> None:
    print(f"  {pad(label, 38)} {value:>12}  {pad(target, 11)} {verdict(ok):<7}{note}", flush=True)


def heading(text: str) -> None:
    print(f"\n{text}", flush=True)


# --- steps -------------------------------------------------------------------------------------------------------

def ensure_workbooks(seed: int, run_dir: Path) -> dict:
    """var/bench/full holds the exported city for ``seed``; regenerate when missing, stale or incomplete."""
    stamp = WORKBOOKS / ".bench-seed"
    files = sorted(WORKBOOKS.glob("*.xlsx")) if WORKBOOKS.is_dir() else []
    stamped = int(stamp.read_text().strip()) if stamp.exists() else None
    seed_ok = stamped == seed or (stamped is None and seed == DEFAULT_SEED)  # unstamped: made with the default
    if len(files) == SECTIONS and seed_ok:
        heading(f"1. Workbooks: {len(files):,} files cached in {WORKBOOKS.relative_to(ROOT)} (seed {stamped or seed})")
        return {"generated": False, "files": len(files), "bytes": sum(p.stat().st_size for p in files)}
    heading(f"1. Workbooks: generating {SECTIONS:,} files (seed {seed}; found {len(files):,}"
            f"{'' if seed_ok else f', seed {stamped}'})")
    tmp = WORKBOOKS.with_name(WORKBOOKS.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    m = run_measured([CIVICDX, "demo", "--scale", "full", "--seed", str(seed), "--export", str(tmp), "--export-only"],
                     bench_env(fresh_data_dir(run_dir, "export")))
    made = sorted(tmp.glob("*.xlsx")) if tmp.is_dir() else []
    if m.rc != 0 or len(made) != SECTIONS:
        raise SystemExit(f"export failed (rc {m.rc}, {len(made)} files):\n{m.stderr[-3000:]}")
    if WORKBOOKS.exists():
        shutil.rmtree(WORKBOOKS)
    tmp.rename(WORKBOOKS)
    stamp.write_text(f"{seed}\n")
    line("civicdx demo --export-only", fmt_s(m.wall), note=f"peak RSS {fmt_mb(m.maxrss)}")
    return {"generated": True, "files": len(made), "wall": m.wall, "maxrss": m.maxrss,
            "bytes": sum(p.stat().st_size for p in made)}


BASELINE = r"""
import json, pathlib, sys, time
started = time.perf_counter()
from python_calamine import CalamineWorkbook
files = sorted(p for p in pathlib.Path(sys.argv[1]).rglob("*") if p.suffix.lower() == ".xlsx")
sheets = rows = cells = 0
for path in files:
    workbook = CalamineWorkbook.from_path(str(path))
    for name in workbook.sheet_names:
        # skip_empty_area=False: exactly what civicdx.survey.importing.reader.read_sheets asks for
        data = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        sheets += 1
        rows += len(data)
        cells += sum(len(r) for r in data)
        del data
print(json.dumps({"files": len(files), "sheets": sheets, "rows": rows, "cells": cells,
                  "inner": time.perf_counter() - started}))
"""


def baseline(run_dir: Path) -> dict:
    heading("2. Baseline: python-calamine alone, every cell of every sheet (fresh subprocess)")
    for p in WORKBOOKS.glob("*.xlsx"):  # same page-cache state for the baseline and the import
        p.read_bytes()
    m = run_measured([PY, "-c", BASELINE, str(WORKBOOKS)], bench_env(fresh_data_dir(run_dir, "baseline")))
    if m.rc != 0:
        raise SystemExit(f"baseline failed:\n{m.stderr[-3000:]}")
    info = last_json(m.stdout)
    line("calamine read (wall, incl. startup)", fmt_s(m.wall),
         note=f"{info['files']:,} files, {info['sheets']:,} sheets, {info['rows']:,} rows, {info['cells']:,} cells")
    line("calamine peak RSS", fmt_mb(m.maxrss))
    return {"wall": m.wall, "cpu": m.cpu, "maxrss": m.maxrss, **info}


def import_step(run_dir: Path, base: dict) -> dict:
    heading("3. Import: civicdx survey import var/bench/full --year R3 --municipality 401005 --json (fresh SQLite)")
    data_dir = fresh_data_dir(run_dir, "import")
    migrate(data_dir)
    cmd = [CIVICDX, "survey", "import", str(WORKBOOKS), "--year", YEAR, "--municipality", MUNICIPALITY, "--json"]
    m = run_measured(cmd, bench_env(data_dir))
    out = {"wall": m.wall, "cpu": m.cpu, "maxrss": m.maxrss, "rc": m.rc, "data_dir": str(data_dir)}
    try:
        result = last_json(m.stdout)
    except ValueError:
        result = {"ok": False, "errors": [{"message": (m.stderr or m.stdout)[-2000:]}]}
    imported = result.get("imported", {})
    out.update(ok=bool(result.get("ok")), tasks=imported.get("tasks"), steps=imported.get("steps"),
               survey_id=result.get("survey_id"), errors=len(result.get("errors") or []))
    out["valid"] = out["ok"] and out["tasks"] == TASKS and m.rc == 0
    out["ratio"] = m.wall / base["wall"] if base.get("wall") else None
    out["rss_ratio"] = m.maxrss / base["maxrss"] if base.get("maxrss") else None
    line("result", "ok" if out["valid"] else "FAILED", f"{TASKS:,} 業務", out["valid"],
         f"ok={out['ok']} tasks={out['tasks']} steps={out['steps']} errors={out['errors']} rc={m.rc}")
    if not out["valid"]:
        print("    " + json.dumps(result, ensure_ascii=False)[:1500])
        print("    " + m.stderr[-1500:].replace("\n", "\n    "))
    line("import wall", fmt_s(m.wall), f"< {IMPORT_WALL_MAX:.0f} s", m.wall < IMPORT_WALL_MAX,
         f"CPU {m.cpu:.2f} s (user+sys)")
    line("import / calamine (wall)", f"{out['ratio']:.2f}×", f"≤ {IMPORT_RATIO_MAX:.0f}×",
         out["ratio"] <= IMPORT_RATIO_MAX, f"CPU ratio {m.cpu / base['cpu']:.2f}×" if base.get("cpu") else "")
    line("import peak RSS", fmt_mb(m.maxrss), f"< {IMPORT_RSS_MAX / 1e9:.1f} GB", m.maxrss < IMPORT_RSS_MAX,
         f"{out['rss_ratio']:.1f}× calamine's" if out["rss_ratio"] else "")
    return out


def bpr_step(run_dir: Path, imp: dict, *, report: bool = True) -> dict:
    """BPR分析 on the imported database: candidate extraction (first call), cached call, similarity grouping,
    recomputation after the groups changed, and optionally the report files."""
    heading("4. BPR分析: civicdx bpr candidates / similarity / report on the imported database (subprocesses)")
    data_dir = Path(imp["data_dir"])
    env = bench_env(data_dir)
    where = ["--year", YEAR, "--municipality", MUNICIPALITY]
    out: dict = {}

    stored = ("import django, json; django.setup(); from civicdx.bpr.models import CandidateRun; "
              "r = CandidateRun.objects.order_by('-computed_at').first(); "
              "print(json.dumps({'seconds': r.seconds, 'at': str(r.computed_at)} if r else {}))")

    def candidates(key: str, label: str, target: bool) -> None:
        m = run_measured([CIVICDX, "bpr", "candidates", *where, "--json"], env)
        probe = run_measured([PY, "-c", stored], env)
        try:
            run_info = last_json(probe.stdout)
        except ValueError:
            run_info = {}
        row = {"wall": m.wall, "cpu": m.cpu, "maxrss": m.maxrss, "rc": m.rc, "candidates": None, "tasks": None,
               "compute_seconds": run_info.get("seconds"), "computed_at": run_info.get("at")}
        previous = [r.get("computed_at") for r in out.values() if isinstance(r, dict) and "computed_at" in r]
        row["computed"] = bool(row["computed_at"]) and row["computed_at"] not in previous
        try:
            data = json.loads(m.stdout)
            row["candidates"] = len(data["candidates"])
            row["tasks"] = len({c["task_id"] for c in data["candidates"]})
            row["types"] = {t["type"] + (f"/{t['tool']}" if t.get("tool") else ""): t["tasks"]
                            for t in data["totals"]["types"] + data["totals"]["tools"]}
        except (ValueError, KeyError, TypeError) as exc:
            row["error"] = f"{type(exc).__name__}: {exc}"
        row["valid"] = m.rc == 0 and bool(row["candidates"])
        row["ok"] = row["valid"] and (m.wall < BPR_EXTRACT_MAX if target else True)
        out[key] = row
        line(label, fmt_s(m.wall), f"< {BPR_EXTRACT_MAX:.0f} s" if target else "(none)",
             row["ok"] if target else (None if row["valid"] else False),
             f"peak RSS {fmt_mb(m.maxrss)}, CPU {m.cpu:.2f} s, rc {m.rc}, {row['candidates'] or 0:,} candidates "
             f"on {row['tasks'] or 0:,} 業務" + (f"  {row['error']}" if "error" in row else ""))
        if row["computed"]:
            print(f"    {'':<38} in-process compute (CandidateRun.seconds): {fmt_s(row['compute_seconds'])}; the rest is "
                  "Django start-up, reading the candidates back and writing the JSON")
        else:
            print(f"    {'':<38} not recomputed (stored candidates from {row['computed_at']})")
        if m.rc != 0:
            print("    " + m.stderr[-1500:].replace("\n", "\n    "))

    candidates("extract", "bpr candidates (1st: extraction)", True)
    candidates("cached", "bpr candidates (2nd: cached)", False)

    m = run_measured([CIVICDX, "bpr", "similarity", *where], env, timeout=BPR_SIMILARITY_TIMEOUT)
    groups = None
    for token in m.stdout.replace(",", "").split():
        if token.isdigit():
            groups = int(token)
            break
    sim = {"wall": m.wall, "cpu": m.cpu, "maxrss": m.maxrss, "rc": m.rc, "timed_out": m.timed_out, "groups": groups}
    sim["valid"] = m.rc == 0 and not m.timed_out
    sim["ok"] = sim["valid"] and m.wall < BPR_SIMILARITY_MAX and m.maxrss < BPR_SIMILARITY_RSS_MAX
    out["similarity"] = sim
    line("bpr similarity wall", fmt_s(m.wall), f"< {BPR_SIMILARITY_MAX:.0f} s", sim["valid"] and m.wall < BPR_SIMILARITY_MAX,
         f"CPU {m.cpu:.2f} s, rc {m.rc}" + (f", KILLED after {BPR_SIMILARITY_TIMEOUT} s" if m.timed_out else "")
         + (f", {groups:,} groups" if groups is not None else ""))
    line("bpr similarity peak RSS", fmt_mb(m.maxrss), f"< {BPR_SIMILARITY_RSS_MAX / 1e9:.0f} GB",
         m.maxrss < BPR_SIMILARITY_RSS_MAX)
    if not sim["valid"]:
        print("    " + (m.stderr or m.stdout)[-1500:].replace("\n", "\n    "))

    # The groups changed, so the stored candidates are stale: the next call recomputes them (with the groups, as the
    # consolidation rule uses them); this also leaves them computed for the pages.
    candidates("recompute", "bpr candidates (3rd: after similarity)", True)

    if report:
        for fmt in ("xlsx", "pdf"):
            path = data_dir / f"bpr-report.{fmt}"
            m = run_measured([CIVICDX, "bpr", "report", *where, "-o", str(path)], env, timeout=BPR_REPORT_TIMEOUT)
            size = path.stat().st_size if path.exists() else 0
            out[f"report_{fmt}"] = {"wall": m.wall, "cpu": m.cpu, "maxrss": m.maxrss, "rc": m.rc, "bytes": size,
                                    "timed_out": m.timed_out, "valid": m.rc == 0 and size > 0}
            line(f"bpr report -o X.{fmt}", fmt_s(m.wall), "(none)", None if m.rc == 0 and size else False,
                 f"peak RSS {fmt_mb(m.maxrss)}, rc {m.rc}, {size / 1000:,.0f} kB"
                 + (f", KILLED after {BPR_REPORT_TIMEOUT} s" if m.timed_out else ""))
            if m.rc != 0:
                print("    " + m.stderr[-1000:].replace("\n", "\n    "))
    return out


def views_step(run_dir: Path, imp: dict, repeat: int) -> dict:
    heading(f"5./6. Summaries and pages as a DX user (median of {repeat}; pages after one warm-up; DEBUG off)")
    data_dir = Path(imp["data_dir"])
    m = run_measured([PY, str(Path(__file__).resolve()), "--worker", "views", "--survey-id", str(imp["survey_id"]),
                      "--repeat", str(repeat)], bench_env(data_dir))
    if m.rc != 0:
        print(m.stderr[-3000:])
        raise SystemExit("views worker failed")
    res = last_json(m.stdout)
    print(f"  {'survey_summary(by=...)':<38} {'median':>12}  {'target':<11} {'':<7}max / groups")
    for r in res["summaries"]:
        med = statistics.median(r["times"])
        r["median"] = med
        r["ok"] = med < SUMMARY_MAX
        line(f"by={r['by']}", fmt_s(med), f"< {SUMMARY_MAX:.0f} s", r["ok"], f"max {fmt_s(max(r['times']))}, {r['groups']} groups")
    for r in res["selectors"]:
        r["median"] = statistics.median(r["times"])
        line(r["name"], fmt_s(r["median"]), "(no target)", None, f"max {fmt_s(max(r['times']))}")
    titles = {"survey": "page (server side, test client)", "bpr": "BPR page (peers: 2 synthetic)",
              "scoped": "scoped user (editor of one 課)"}
    for group, title in titles.items():
        rows = [p for p in res["pages"] if p.get("group", "survey") == group]
        if group == "bpr":
            b = res.get("bpr") or {}
            line("candidates_ensure before the pages", fmt_s(b.get("candidates_ensure")), "(cached)",
                 None if not b.get("recomputed") else False,
                 ("RECOMPUTED (the pages would have included it)" if b.get("recomputed") else "current, not recomputed")
                 + f"; last in-process compute {fmt_s(b.get('compute_seconds'))}; "
                   f"peers_demo_load {fmt_s(b.get('peers_demo_load'))}")
        print(f"  {title:<38} {'median':>12}  {'target':<11} {'':<7}max / status / queries / size")
        for p in rows:
            med = statistics.median(p["times"])
            target = p.get("target") or PAGE_MAX
            p["median"] = med
            p["ok"] = med < target and p["status"] == 200
            line(p["name"], fmt_s(med), f"< {target * 1000:.0f} ms", p["ok"],
                 f"max {fmt_s(max(p['times']))}, {p['status']}, {p['queries']} q, {p['bytes'] / 1000:,.0f} kB  {p['url']}")
    return res


def flows_step(imp: dict, repeat: int) -> dict:
    """業務フロー on the imported database: generate every flow, then a manual for every 業務 and Japanese queries,
    then flow pages in Chromium (bench/flows_bench.py)."""
    heading("8. 業務フロー・マニュアル: flows generate, search with a manual for every 業務, flow pages in Chromium")
    env = bench_env(Path(imp["data_dir"]))
    out: dict = {}
    m = run_measured([CIVICDX, "flows", "generate", "--year", YEAR, "--municipality", MUNICIPALITY, "--json"], env)
    try:
        created = last_json(m.stdout).get("created")
    except ValueError:
        created = None
    out["generate"] = {"wall": m.wall, "cpu": m.cpu, "maxrss": m.maxrss, "rc": m.rc, "created": created,
                       "ok": m.rc == 0 and created == TASKS and m.wall < FLOWS_GENERATE_MAX}
    line("flows generate (58,966 業務)", fmt_s(m.wall), f"< {FLOWS_GENERATE_MAX:.0f} s", out["generate"]["ok"],
         f"rc {m.rc}, {created} flows, peak RSS {fmt_mb(m.maxrss)} (includes the search index)")
    survey = ["--survey-id", str(imp["survey_id"]), "--repeat", str(repeat)]
    for what in ("search", "page"):
        m = run_measured([PY, str(FLOWS_BENCH), what, *survey], env)
        if m.rc != 0:
            print("    " + m.stderr[-2000:].replace("\n", "\n    "))
            out[what] = {"rc": m.rc, "ok": False}
            continue
        out[what] = {**last_json(m.stdout), "rc": 0, "wall": m.wall, "maxrss": m.maxrss}
    s = out["search"]
    if s.get("rc") == 0:
        line("manual for every 業務 (bulk insert)", fmt_s(s["manuals_seconds"]), note=f"{s['manuals']:,} manuals, "
             f"{s['manual_chars'] / 1e6:.1f} M characters in all")
        line("search index rebuild", fmt_s(s["index_seconds"]), "(no target)", None,
             f"{s['docs']:,} 業務; worker peak RSS {fmt_mb(s['maxrss'])}")
        for q in s["queries"]:
            q["ok"] = q["median"] < SEARCH_QUERY_MAX
            line(f"search 「{q['query']}」", fmt_s(q["median"]), f"< {SEARCH_QUERY_MAX * 1000:.0f} ms", q["ok"],
                 f"max {fmt_s(max(q['times']))}, {q['total']:,} 業務 match")
    p = out["page"]
    if p.get("rc") == 0:
        for row in p["pages"]:
            row["ok"] = row["median"] < FLOW_PAGE_MAX
            line(f"flow page ({row['tasks']} tasks)", fmt_s(row["median"]), f"< {FLOW_PAGE_MAX:.0f} s", row["ok"],
                 f"max {fmt_s(max(row['times']))}, until the diagram is drawn in Chromium")
    return out


def demo_step(run_dir: Path) -> dict:
    heading("7. civicdx demo --scale full into a fresh SQLite database")
    data_dir = fresh_data_dir(run_dir, "demo")
    migrate(data_dir)
    m = run_measured([CIVICDX, "demo", "--scale", "full", "--verbosity", "0"], bench_env(data_dir))
    line("demo load wall", fmt_s(m.wall), note=f"rc {m.rc}, CPU {m.cpu:.2f} s")
    line("demo load peak RSS", fmt_mb(m.maxrss))
    if m.rc != 0:
        print("    " + m.stderr[-1500:].replace("\n", "\n    "))
    return {"wall": m.wall, "cpu": m.cpu, "maxrss": m.maxrss, "rc": m.rc}


def digilab_step(run_dir: Path, repeat: int) -> dict:
    """デジラボ in a fresh database of its own (no survey): bench/digilab_bench.py builds a city with ~350 課, bulk-inserts
    the ledger (five fiscal years), rebuilds the monthly sums and times the KPI dashboard, the API and the ledger page."""
    heading(f"9. デジラボ: KPI dashboard over a {DIGILAB_ENTRIES:,}-entry ledger")
    data_dir = fresh_data_dir(run_dir, "digilab")
    migrate(data_dir)
    m = run_measured([PY, str(DIGILAB_BENCH), "--repeat", str(repeat), "--entries", str(DIGILAB_ENTRIES)],
                     bench_env(data_dir), timeout=DIGILAB_TIMEOUT)
    out: dict = {"wall": m.wall, "cpu": m.cpu, "maxrss": m.maxrss, "rc": m.rc, "timed_out": m.timed_out}
    try:
        res = last_json(m.stdout) if m.rc == 0 else None
    except ValueError:
        res = None
    if res is None:
        out["valid"] = False
        line("digilab worker", "FAILED", ok=False, note=f"rc {m.rc}, wall {fmt_s(m.wall)}"
             + (f", KILLED after {DIGILAB_TIMEOUT} s" if m.timed_out else ""))
        print("    " + (m.stderr or m.stdout)[-2000:].replace("\n", "\n    "))
        return out
    out.update(res)
    ins = res["insert"]
    out["valid"] = ins["entries"] == DIGILAB_ENTRIES and not res.get("debug")
    line(f"bulk insert ({ins['entries']:,} entries)", fmt_s(ins["seconds"]), "(no target)", None if out["valid"] else False,
         f"rows {fmt_s(ins['generate_seconds'])} + executemany {fmt_s(ins['executemany_seconds'])}, "
         f"chunks of {ins['chunk']:,}; {res['ledger_entries']:,} entries in all with the demo's")
    line("SQLite file after the insert", fmt_mb(res["size"]["db_bytes"]), note="WAL checkpointed")
    line("ledger_months_rebuild", fmt_s(res["rebuild"]["seconds"]), "(no target)", None,
         f"{res['rebuild']['rows']:,} LedgerMonth rows ({res['ledger_months_2024']:,} in FY2024); "
         f"worker peak RSS {fmt_mb(m.maxrss)}, wall {fmt_s(m.wall)}")
    print(f"  {'page (server side, test client)':<38} {'median':>12}  {'target':<11} {'':<7}max / status / queries / SQL "
          "/ size")
    for p in res["pages"]:
        target = DIGILAB_DASHBOARD_MAX if p["key"].startswith("dashboard") else None
        p["target"] = target
        p["ok"] = p["status"] == 200 and (target is None or p["median"] < target)
        line(p["name"], fmt_s(p["median"]), f"< {target * 1000:.0f} ms" if target else "(no target)",
             p["ok"] if target or not p["ok"] else None,
             f"max {fmt_s(max(p['times']))}, {p['status']}, {p['queries']} q, SQL {p['sql_ms']:.0f} ms, "
             f"{p['bytes'] / 1000:,.0f} kB  {p['url']}")
        if p["median"] >= DIGILAB_DASHBOARD_MAX and p["slowest"]:
            q = p["slowest"][0]
            print(f"    {'':<38} slowest query {q['ms']:.0f} ms: {q['sql'][:160]}")
    for r in res["selectors"]:
        line(f"selectors.{r['name']}", fmt_s(r["median"]), "(no target)", None, f"max {fmt_s(max(r['times']))}")
    return out


# --- worker: runs inside the imported database's environment ---------------------------------------------------

def worker_views(survey_id: int, repeat: int) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from civicdx.core.models import User
    from civicdx.survey import selectors
    from civicdx.survey.models import Survey, Task

    def fresh_survey() -> Survey:  # org_tree is memoised on the instance: a new one per call, as per request
        return Survey.objects.select_related("municipality").get(pk=survey_id)

    survey = fresh_survey()
    user, _ = User.objects.get_or_create(username="bench-dx", defaults={
        "role": User.Role.DX, "municipality": survey.municipality, "display_name": "bench DX"})
    user.set_unusable_password()
    user.save()

    def timed(fn, n):
        times = []
        result = None
        for _ in range(n):
            s = fresh_survey()
            started = time.perf_counter()
            result = fn(s)
            times.append(time.perf_counter() - started)
        return times, result

    by_choices = getattr(selectors, "BY_CHOICES", BY_CHOICES_FALLBACK)
    summaries = []
    for by in (None, *by_choices):
        times, data = timed(lambda s, by=by: selectors.survey_summary(user=user, survey=s, by=by), repeat)
        summaries.append({"by": by, "times": times, "groups": len(data["groups"])})
    extra = [
        ("survey_pareto(limit=300)", lambda s: selectors.survey_pareto(user=user, survey=s, limit=300)),
        ("response_rates", lambda s: selectors.response_rates(user=user, survey=s)),
        ("unit_totals(parent=None)", lambda s: selectors.unit_totals(user=user, survey=s, parent=None)),
    ]
    selector_rows = [{"name": name, "times": timed(fn, repeat)[0]} for name, fn in extra]

    # The biggest 局 and 課 (most 係 under them) and the 係 with the most 業務.
    tree = selectors.org_tree(survey=survey)
    under: dict[int, int] = {}
    for unit in tree.units.values():
        if unit.kind == "section":
            for ancestor in tree.chain(unit.pk)[:-1]:
                under[ancestor.pk] = under.get(ancestor.pk, 0) + 1

    def biggest(kind):
        units = [u for u in tree.units.values() if u.kind == kind]
        return max(units, key=lambda u: (under.get(u.pk, 0), -u.sort_order, -u.pk))

    bureau, division = biggest("bureau"), biggest("division")
    top = (Task.objects.filter(survey_id=survey_id).values("section_id").annotate(n=Count("id"))
           .order_by("-n", "section_id").first())
    section_id, section_tasks = top["section_id"], top["n"]
    base = f"/survey/{survey_id}"
    pages = [
        ("dashboard", f"{base}/"),
        ("drill-down (全庁)", f"{base}/org/"),
        (f"局 ({under.get(bureau.pk, 0)} 係)", f"{base}/org/{bureau.pk}/"),
        (f"課 ({under.get(division.pk, 0)} 係)", f"{base}/org/{division.pk}/"),
        (f"係 ({section_tasks} 業務)", f"{base}/org/{section_id}/"),
        ("summary/division", f"{base}/summary/division/"),
        ("summary/step_kind", f"{base}/summary/step_kind/"),
        ("responses", f"{base}/responses/"),
    ]
    def time_pages(as_user, rows, group, target):
        client = Client()
        client.force_login(as_user)
        out = []
        for name, url in rows:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)  # warm-up; also counts the queries
            status, size, n_queries = response.status_code, len(response.content), len(queries)  # len() reads the live log
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(url)
                _ = response.content
                times.append(time.perf_counter() - started)
                status = status if status != 200 else response.status_code
            pattern = url.replace(f"{base}/", "/survey/<id>/", 1).replace(f"{bpr_base}/", "/bpr/<id>/", 1)
            out.append({"name": name, "url": url, "pattern": pattern, "group": group, "target": target,
                        "status": status, "queries": n_queries, "bytes": size, "times": times})
        return out

    bpr_base = f"/bpr/{survey_id}"
    page_rows = time_pages(user, pages, "survey", PAGE_MAX)

    # BPR分析 pages. Peers need peer cities (two synthetic ones, as `civicdx demo` loads); the candidates were computed
    # by the BPR step, so candidates_ensure here must find them current and the first page does not compute them.
    from civicdx.bpr.models import CandidateRun
    from civicdx.bpr.services import candidates_ensure, peers_demo_load

    started = time.perf_counter()
    peers_demo_load(survey=fresh_survey())
    peers_seconds = time.perf_counter() - started
    stamp = ("pk", "seconds", "computed_at")
    before = CandidateRun.objects.filter(survey_id=survey_id).values_list(*stamp).first()
    started = time.perf_counter()
    run = candidates_ensure(survey=fresh_survey())
    ensure_seconds = time.perf_counter() - started
    after = CandidateRun.objects.filter(survey_id=survey_id).values_list(*stamp).first()
    bpr_info = {"peers_demo_load": peers_seconds, "candidates_ensure": ensure_seconds,
                "recomputed": before is None or before != after, "compute_seconds": run.seconds}
    bpr_pages = [
        ("dashboard", f"{bpr_base}/"),
        ("candidates", f"{bpr_base}/candidates/"),
        ("candidates digital/RPA", f"{bpr_base}/candidates/?type=digital&tool=RPA"),
        ("peers (大分類)", f"{bpr_base}/peers/"),
        ("peers (中分類)", f"{bpr_base}/peers/?level=minor"),
        ("projects", f"{bpr_base}/projects/"),
        ("taxonomy", f"{bpr_base}/taxonomy/"),
    ]
    page_rows += time_pages(user, bpr_pages, "bpr", BPR_PAGE_MAX)

    # A scoped user: an editor whose org_unit is the biggest 課 sees only that subtree.
    editor, _ = User.objects.get_or_create(username="bench-editor", defaults={
        "role": User.Role.EDITOR, "municipality": survey.municipality, "display_name": "bench editor"})
    editor.role, editor.municipality, editor.org_unit_id = User.Role.EDITOR, survey.municipality, division.pk
    editor.set_unusable_password()
    editor.save()
    scope = f"課 {division.name} ({under.get(division.pk, 0)} 係)"
    page_rows += time_pages(editor, [(f"BPR dashboard, editor of {scope}", f"{bpr_base}/"),
                                     (f"survey dashboard, editor of {scope}", f"{base}/")], "scoped", None)
    for row in page_rows[-2:]:
        row["target"] = BPR_PAGE_MAX if row["url"].startswith(bpr_base) else PAGE_MAX
    print(json.dumps({"summaries": summaries, "selectors": selector_rows, "pages": page_rows, "bpr": bpr_info},
                     ensure_ascii=False, default=str))


# --- machine info and BENCHMARKS.md -------------------------------------------------------------------------------

def machine_info() -> dict:
    code = ("import json, sqlite3, platform, django, importlib.metadata as m; print(json.dumps("
            "{'python': platform.python_version(), 'sqlite': sqlite3.sqlite_version, "
            "'django': django.get_version(), 'calamine': m.version('python-calamine')}))")
    probe = run_measured([PY, "-c", code], dict(os.environ))
    info = last_json(probe.stdout) if probe.rc == 0 else {}
    cpu = ""
    try:
        cpu = next(ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                   if ln.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    mem = ""
    try:
        kb = int(next(ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")))
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        pass
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=False).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                           text=True, check=False).stdout.strip()
    return {"nproc": nproc, "cpu": cpu, "mem": mem, "os": platform.platform(), "commit": commit + ("+dirty" if dirty else ""),
            "load": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
            "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"), **info}


def markdown(machine: dict, runs: list[dict], repeat: int) -> str:
    n = len(runs)
    cols = " | ".join(f"run {i + 1}" for i in range(n))
    sep = "|".join(["---"] * (n + 3))

    def row(label, values, target="", status=""):
        return f"| {label} | " + " | ".join(values) + f" | {target} | {status} |"

    def all_ok(flags):
        flags = [f for f in flags if f is not None]
        return "" if not flags else ("ok" if all(flags) else ("**missed**" if not any(flags) else "**missed in some runs**"))

    out = [MD_BEGIN, "",
           f"Measured {machine['date']} at commit `{machine['commit']}`: {machine['nproc']} CPU cores ({machine['cpu']}), "
           f"{machine['mem']} RAM, {machine['os']}; Python {machine.get('python')}, SQLite {machine.get('sqlite')}, "
           f"Django {machine.get('django')}, python-calamine {machine.get('calamine')}. "
           f"{n} complete run{'s' if n > 1 else ''} (`bench/run.py --runs {n}`), each against its own fresh database"
           + (f"; 1-minute load average at the start of each run: "
              f"{', '.join(format(r['load'], '.2f') for r in runs)} (other work shares the cores)."
              if runs[0].get("load") is not None else "."), ""]
    wb = runs[0]["workbooks"]
    gen = next((r["workbooks"] for r in runs if r["workbooks"].get("generated")), None)
    out.append(f"Input: {wb['files']:,} workbooks, {wb['bytes'] / 1e6:.1f} MB"
               + (f" (generated in this session in {gen['wall']:.1f} s)." if gen else " (cached in var/bench/full)."))
    out += ["", "### Import vs. the python-calamine baseline", "",
            f"| | {cols} | target | |", f"|{sep}|"]
    b = [r["baseline"] for r in runs]
    i = [r["import"] for r in runs]
    out.append(row("calamine alone: wall", [fmt_s(x["wall"]) for x in b]))
    out.append(row("calamine alone: CPU (user+sys)", [fmt_s(x["cpu"]) for x in b]))
    out.append(row("calamine alone: peak RSS", [fmt_mb(x["maxrss"]) for x in b]))
    out.append(row("import: result", [f"{'ok' if x['valid'] else 'FAILED'}, {x['tasks'] or 0:,} 業務, {x['steps'] or 0:,} 手順"
                                      for x in i], f"{TASKS:,} 業務", all_ok([x["valid"] for x in i])))
    out.append(row("import: wall", [fmt_s(x["wall"]) for x in i], f"< {IMPORT_WALL_MAX:.0f} s",
                   all_ok([x["wall"] < IMPORT_WALL_MAX for x in i])))
    out.append(row("import: CPU (user+sys)", [fmt_s(x["cpu"]) for x in i]))
    out.append(row("**import / calamine (wall)**", [f"**{x['ratio']:.2f}×**" for x in i], f"≤ {IMPORT_RATIO_MAX:.0f}×",
                   all_ok([x["ratio"] <= IMPORT_RATIO_MAX for x in i])))
    out.append(row("import / calamine (CPU)", [f"{x['cpu'] / y['cpu']:.2f}×" for x, y in zip(i, b)]))
    out.append(row("import: peak RSS", [fmt_mb(x["maxrss"]) for x in i], f"< {IMPORT_RSS_MAX / 1e9:.1f} GB",
                   all_ok([x["maxrss"] < IMPORT_RSS_MAX for x in i])))
    views = [r.get("views") for r in runs]
    if all(views):
        out += ["", f"### Summaries: `survey_summary(by=...)` as a DX user (median of {repeat} calls, fresh Survey each call)",
                "", f"| by | {cols} | target | |", f"|{sep}|"]
        for k, s in enumerate(views[0]["summaries"]):
            rs = [v["summaries"][k] for v in views]
            out.append(row(f"`{s['by']}` ({s['groups']} groups)", [fmt_s(x["median"]) for x in rs], f"< {SUMMARY_MAX:.0f} s",
                           all_ok([x["ok"] for x in rs])))
        for k, s in enumerate(views[0]["selectors"]):
            rs = [v["selectors"][k] for v in views]
            out.append(row(f"`{s['name']}`", [fmt_s(x["median"]) for x in rs], "(none)"))
        titles = {
            "survey": f"### Pages: server-side time through `django.test.Client` (median of {repeat} after one warm-up, "
                      "DEBUG off)",
            "bpr": f"### BPR分析 pages as the DX user (median of {repeat} after one warm-up; candidates already stored, "
                   "two synthetic peer cities)",
            "scoped": f"### Pages as a scoped user: role `editor`, `org_unit` = the biggest 課 (median of {repeat})",
        }
        for group, title in titles.items():
            idx = [k for k, p in enumerate(views[0]["pages"]) if p.get("group", "survey") == group]
            if not idx:
                continue
            out += ["", title, "", f"| page | {cols} | target | | queries | size |", f"|{'|'.join(['---'] * (n + 5))}|"]
            for k in idx:
                p = views[0]["pages"][k]
                rs = [v["pages"][k] for v in views]
                vals = [fmt_s(x["median"]) + ("" if x["status"] == 200 else f" (HTTP {x['status']})") for x in rs]
                out.append(row(f"{p['name']} `{p['pattern']}`", vals, f"< {(p.get('target') or PAGE_MAX) * 1000:.0f} ms",
                               all_ok([x["ok"] for x in rs])) + f" {p['queries']} | {p['bytes'] / 1000:,.0f} kB |")
            if group == "bpr":
                infos = [v.get("bpr") or {} for v in views]
                out.append(row("`candidates_ensure` just before these pages",
                               [fmt_s(x.get("candidates_ensure")) + (" (**recomputed**)" if x.get("recomputed") else "")
                                for x in infos], "cached") + " | |")
    bprs = [r.get("bpr") for r in runs]
    if all(bprs):
        out += ["", "### BPR分析: `civicdx bpr ...` as subprocesses on the imported database", "",
                f"| | {cols} | target | |", f"|{sep}|"]

        def cand(key, label, target):
            cs = [b[key] for b in bprs]
            out.append(row(f"{label}: wall", [fmt_s(c["wall"]) for c in cs], target,
                           all_ok([c["ok"] for c in cs]) if target else ""))
            out.append(row(f"{label}: CPU / peak RSS", [f"{fmt_s(c['cpu'])} / {fmt_mb(c['maxrss'])}" for c in cs]))
            out.append(row(f"{label}: result", [f"{'ok' if c['valid'] else 'FAILED'}, {c['candidates'] or 0:,} candidates "
                                                f"on {c['tasks'] or 0:,} 業務" for c in cs]))
            out.append(row(f"{label}: in-process compute (`CandidateRun.seconds`)",
                           [fmt_s(c.get("compute_seconds")) if c.get("computed") else "not recomputed" for c in cs]))

        cand("extract", "`bpr candidates --json`, 1st call (extraction)", f"< {BPR_EXTRACT_MAX:.0f} s")
        cand("cached", "`bpr candidates --json`, 2nd call (cached)", "")
        sims = [b["similarity"] for b in bprs]
        out.append(row("`bpr similarity`: result", [("ok" if x["valid"] else "FAILED" + (" (killed)" if x["timed_out"] else ""))
                                                     + (f", {x['groups']:,} groups" if x["groups"] is not None else "")
                                                     for x in sims]))
        out.append(row("**`bpr similarity`: wall**", [f"**{fmt_s(x['wall'])}**" for x in sims], f"< {BPR_SIMILARITY_MAX:.0f} s",
                       all_ok([x["valid"] and x["wall"] < BPR_SIMILARITY_MAX for x in sims])))
        out.append(row("`bpr similarity`: CPU (user+sys)", [fmt_s(x["cpu"]) for x in sims]))
        out.append(row("`bpr similarity`: peak RSS", [fmt_mb(x["maxrss"]) for x in sims],
                       f"< {BPR_SIMILARITY_RSS_MAX / 1e9:.0f} GB", all_ok([x["maxrss"] < BPR_SIMILARITY_RSS_MAX for x in sims])))
        cand("recompute", "`bpr candidates --json` after similarity (recomputed with the groups)", f"< {BPR_EXTRACT_MAX:.0f} s")
        for fmt in ("xlsx", "pdf"):
            rps = [b.get(f"report_{fmt}") for b in bprs]
            if all(rps):
                out.append(row(f"`bpr report -o X.{fmt}`: wall / peak RSS / size",
                               [f"{fmt_s(x['wall'])} / {fmt_mb(x['maxrss'])} / {x['bytes'] / 1000:,.0f} kB"
                                + ("" if x["valid"] else " FAILED") for x in rps], "(none)"))
        base_walls = [r["baseline"]["wall"] for r in runs]
        out.append(row("for scale: calamine baseline of the same run", [fmt_s(w) for w in base_walls]))
        out.append(row("extraction / calamine baseline (wall)",
                       [f"{b['extract']['wall'] / w:.2f}×" for b, w in zip(bprs, base_walls)]))
        out.append(row("similarity / calamine baseline (wall)",
                       [f"{b['similarity']['wall'] / w:.2f}×" for b, w in zip(bprs, base_walls)]))
    flows = [r.get("flows") for r in runs]
    if all(flows):
        out += ["", "### 業務フロー・マニュアル (step 8, on the imported city)", "",
                f"| | {cols} | target | |", f"|{sep}|",
                row("`civicdx flows generate` (58,966 業務, wall)", [fmt_s(f["generate"]["wall"]) for f in flows],
                    f"< {FLOWS_GENERATE_MAX:.0f} s", all_ok([f["generate"]["ok"] for f in flows])),
                row("flows generate peak RSS", [fmt_mb(f["generate"]["maxrss"]) for f in flows])]
        searches = [f.get("search") or {} for f in flows]
        if all(s.get("queries") for s in searches):
            out.append(row("manuals (one per 業務, characters in all)",
                           [f"{s['manuals']:,} ({s['manual_chars'] / 1e6:.1f} M)" for s in searches]))
            out.append(row("search index rebuild (no target)", [fmt_s(s["index_seconds"]) for s in searches]))
            for i, q in enumerate(searches[0]["queries"]):
                out.append(row(f"search 「{q['query']}」 ({q['total']:,} 業務)",
                               [fmt_s(s["queries"][i]["median"]) for s in searches],
                               f"< {SEARCH_QUERY_MAX * 1000:.0f} ms", all_ok([s["queries"][i]["ok"] for s in searches])))
        pages = [(f.get("page") or {}).get("pages") for f in flows]
        if all(pages):
            for i, pg in enumerate(pages[0]):
                out.append(row(f"flow page in Chromium ({pg['tasks']} tasks)", [fmt_s(p[i]["median"]) for p in pages],
                               f"< {FLOW_PAGE_MAX:.0f} s", all_ok([p[i]["ok"] for p in pages])))
    demos = [r.get("demo") for r in runs]
    if all(demos):
        out += ["", "### `civicdx demo --scale full` into a fresh database (no target)", "",
                f"| | {cols} |", f"|{'|'.join(['---'] * (n + 1))}|",
                "| wall | " + " | ".join(fmt_s(d["wall"]) for d in demos) + " |",
                "| CPU (user+sys) | " + " | ".join(fmt_s(d["cpu"]) for d in demos) + " |",
                "| peak RSS | " + " | ".join(fmt_mb(d["maxrss"]) for d in demos) + " |"]
    digis = [r.get("digilab") for r in runs]
    if all(digis) and all(d["valid"] for d in digis):
        out += ["", f"### デジラボ: KPI dashboard over a {DIGILAB_ENTRIES:,}-entry ledger (a fresh database, "
                f"no survey; median of {repeat} after one warm-up, DEBUG off)", "",
                f"| | {cols} | target | |", f"|{sep}|"]
        ins = [d["insert"] for d in digis]
        out.append(row(f"bulk insert of {DIGILAB_ENTRIES:,} entries (`reserve_ids` + `bulk_insert`, chunks of "
                       f"{ins[0]['chunk']:,}): wall", [fmt_s(x["seconds"]) for x in ins], "(none)"))
        out.append(row("of which building the rows / executemany",
                       [f"{fmt_s(x['generate_seconds'])} / {fmt_s(x['executemany_seconds'])}" for x in ins]))
        out.append(row("SQLite file after the insert (WAL checkpointed)", [fmt_mb(d["size"]["db_bytes"]) for d in digis]))
        out.append(row("`ledger_months_rebuild` (LedgerMonth rows)",
                       [f"{fmt_s(d['rebuild']['seconds'])} ({d['rebuild']['rows']:,})" for d in digis], "(none)"))
        for i, p in enumerate(digis[0]["pages"]):
            ps = [d["pages"][i] for d in digis]
            label = f"{p['name']} `{p['url']}` ({p['queries']} queries, {p['bytes'] / 1000:,.0f} kB)"
            vals = [fmt_s(x["median"]) + ("" if x["status"] == 200 else f" (HTTP {x['status']})") for x in ps]
            if p["target"]:
                out.append(row(f"**{label}**", [f"**{v}**" for v in vals], f"< {p['target'] * 1000:.0f} ms",
                               all_ok([x["ok"] for x in ps])))
            else:
                out.append(row(label, vals, "(none)", "" if all(x["ok"] for x in ps) else "**failed**"))
        for i, s in enumerate(digis[0]["selectors"]):
            out.append(row(f"`selectors.{s['name']}` alone", [fmt_s(d["selectors"][i]["median"]) for d in digis], "(none)"))
    mins = [r.get("minutes") for r in runs]
    if all(mins) and all(m["valid"] for m in mins):
        out += ["", "### AI議事録 on the synthesised corpus (whisper-base, int8, beam 5, 2 cores; `bench/minutes_bench.py`)", "",
                f"| | {cols} | target | |", f"|{sep}|"]
        out.append(row(f"CER, ケバ取り text, numerals normalised, no dictionary ({mins[0]['cer']['without_dictionary']['utterances']} "
                       "utterances)", [f"{m['cer']['without_dictionary']['cer']:.1%}" for m in mins], "(none)"))
        out.append(row(f"CER with the 単語登録 list ({mins[0]['vocabulary_entries']} words)",
                       [f"{m['cer']['with_dictionary']['cer']:.1%}" for m in mins], "(none)"))
        for voice in mins[0]["cer"]["without_dictionary"]["per_voice"]:
            out.append(row(f"CER by voice {voice}: without / with the dictionary", [
                f"{m['cer']['without_dictionary']['per_voice'][voice]['cer']:.1%} / "
                f"{m['cer']['with_dictionary']['per_voice'][voice]['cer']:.1%}" for m in mins], "(none)"))
        out.append(row("speaker attribution (time-weighted), count given / free 1–8", [
            f"{m['diarization']['num_speakers_given']['overall']:.1%} / {m['diarization']['no_count_min1_max8']['overall']:.1%}"
            for m in mins], "(none)"))
        out.append(row("**real-time factor with speakers**", [f"**{m['speed']['rtf_ours_diarization']:.3f}**" for m in mins],
                       f"≤ {MINUTES_RTF_MAX}", all_ok([m["rtf_ok"] for m in mins])))
        out.append(row("faster-whisper directly / civicdx without speakers (RTF)", [
            f"{m['speed']['rtf_direct']:.3f} / {m['speed']['rtf_ours_no_diarization']:.3f}" for m in mins], "(none)"))
        out.append(row("**overhead against faster-whisper directly**", [f"**{m['speed']['overhead_pct_vs_direct']:+.1f} %**"
                                                                      for m in mins],
                       f"≤ {MINUTES_OVERHEAD_MAX:.0f} %", all_ok([m["overhead_ok"] for m in mins])))
        out.append(row("speakers (embeddings + clustering) on top", [f"{m['speed']['diarization_cost_pct_of_ours']:+.1f} %"
                                                                    for m in mins], "(none)"))
        if all("long" in m for m in mins):
            out.append(row(f"**{mins[0]['long']['audio_seconds'] / 3600:.1f}-hour recording: peak RSS** (RTF)", [
                f"**{fmt_mb(m['long']['peak_rss_kb'] * 1024)}** ({m['long']['rtf']:.3f})" for m in mins], "< 3 GB",
                all_ok([m["long_ok"] for m in mins])))
    ocrs = [r.get("ocr") for r in runs]
    if all(ocrs) and all(o["valid"] for o in ocrs):
        o0 = ocrs[0]
        out += ["", f"### AI-OCR on the synthetic form set ({o0['pages']} pages of 3 layouts + foreign pages; "
                "`bench/ocr_bench.py`)", "", f"| | {cols} | target | |", f"|{sep}|"]
        for engine in o0["engines"]:
            main = engine == OCR_ENGINE
            es = [o["engines"][engine] for o in ocrs]
            bold = (lambda v: f"**{v}**") if main else (lambda v: v)
            out.append(row(bold(f"{engine}: fields right (characters)"), [
                bold(f"{e['field_accuracy_pct']:.2f} %") + f" ({e['char_accuracy_pct']:.2f} %)" for e in es],
                f"≥ {OCR_FIELD_ACCURACY_MIN:.0f} %" if main else "(none)", all_ok([e["accuracy_ok"] for e in es]) if main else ""))
            out.append(row(bold(f"{engine}: wrong and not flagged"), [
                bold(f"{e['wrong_unflagged']} ({e['wrong_unflagged_pct']:.2f} %)") for e in es],
                f"≤ {OCR_UNFLAGGED_MAX} %" if main else "(none)", all_ok([e["unflagged_ok"] for e in es]) if main else ""))
            out.append(row(f"{engine}: flagged for a person; pages sorted right", [
                f"{e['flagged_pct']:.1f} %; {e['sorted_right']}/{e['pages']}" for e in es], "(none)"))
            out.append(row(bold(f"{engine}: seconds per page (× raw Tesseract full page)"), [
                bold(fmt_s(e["seconds_per_page_mean"])) + f" ({e['ratio_to_raw']:.2f}×)" for e in es],
                f"≤ {OCR_SECONDS_MAX:.0f} s" if main else "(none)", all_ok([e["speed_ok"] for e in es]) if main else ""))
        for kind, t in o0["engines"][OCR_ENGINE]["by_type"].items():
            out.append(row(f"{OCR_ENGINE}, {kind} ({t['fields']} fields): right / characters / flagged", [
                f"{o['engines'][OCR_ENGINE]['by_type'][kind]['field_accuracy_pct']:.1f} % / "
                f"{o['engines'][OCR_ENGINE]['by_type'][kind]['char_accuracy_pct']:.1f} % / "
                f"{o['engines'][OCR_ENGINE]['by_type'][kind]['flagged_pct']:.1f} %" for o in ocrs], "(none)"))
        for bucket, q in o0["engines"][OCR_ENGINE]["by_quality"].items():
            out.append(row(f"{OCR_ENGINE}, scans {bucket} ({q['pages']} pages): right / flagged / wrong and not flagged", [
                f"{o['engines'][OCR_ENGINE]['by_quality'][bucket]['field_accuracy_pct']:.1f} % / "
                f"{o['engines'][OCR_ENGINE]['by_quality'][bucket]['flagged_pct']:.1f} % / "
                f"{o['engines'][OCR_ENGINE]['by_quality'][bucket]['wrong_unflagged']}" for o in ocrs], "(none)"))
        out.append(row("raw Tesseract (jpn, automatic layout) on the full page", [
            fmt_s(o["raw_tesseract_seconds_per_page"]) for o in ocrs], "(baseline)"))
    out += ["", MD_END]
    return "\n".join(out)


def write_md(section: str) -> None:
    if BENCHMARKS_MD.exists():
        text = BENCHMARKS_MD.read_text()
    else:
        text = "# Benchmarks\n\nRun `make bench` (or `.venv/bin/python bench/run.py --runs 2 --write-md`).\n\n## Numbers\n\n"
    if MD_BEGIN in text and MD_END in text:
        head, rest = text.split(MD_BEGIN, 1)
        tail = rest.split(MD_END, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    BENCHMARKS_MD.write_text(text)
    print(f"\nrewrote the numbers section of {BENCHMARKS_MD.relative_to(ROOT)}")


# --- main ------------------------------------------------------------------------------------------------------------

def one_run(k: int, args, scratch: Path) -> dict:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(f"\n=== run {k} " + "=" * 60 + (f" (load average {load:.2f})" if load is not None else ""), flush=True)
    run_dir = scratch / f"run{k}"
    run_dir.mkdir(parents=True)
    result = {"load": load, "workbooks": ensure_workbooks(args.seed, run_dir)}
    result["baseline"] = baseline(run_dir)
    result["import"] = import_step(run_dir, result["baseline"])
    if result["import"]["survey_id"]:
        if not args.skip_bpr:
            result["bpr"] = bpr_step(run_dir, result["import"], report=not args.skip_report)
        result["views"] = views_step(run_dir, result["import"], args.repeat)
        if not args.skip_flows:
            result["flows"] = flows_step(result["import"], args.repeat)
    if not args.skip_demo:
        result["demo"] = demo_step(run_dir)
    if not args.skip_digilab:
        result["digilab"] = digilab_step(run_dir, args.repeat)
    if not args.skip_minutes:
        result["minutes"] = minutes_step(run_dir, args.minutes_hours)
    if not args.skip_ocr:
        result["ocr"] = ocr_step(run_dir)
    return result


def ocr_step(run_dir: Path) -> dict:
    """AI-OCR on the synthetic form set (bench/ocr_corpus): sorting, field and character accuracy per engine and
    field type, wrong-and-unflagged values, seconds per page against raw Tesseract on the same full pages."""
    heading("11. AI-OCR: sorting, field accuracy, unflagged errors, seconds per page")
    out_json = run_dir / "ocr.json"
    m = run_measured([PY, str(OCR_BENCH), "--json", str(out_json)], dict(os.environ), timeout=OCR_TIMEOUT)
    if m.rc != 0 or not out_json.exists():
        line("ocr bench", "FAILED", ok=False, note=f"rc {m.rc}, wall {fmt_s(m.wall)}")
        print("    " + (m.stderr or m.stdout)[-2000:].replace("\n", "\n    "))
        return {"valid": False, "rc": m.rc}
    res = json.loads(out_json.read_text(encoding="utf-8"))
    res["valid"] = True
    raw = res["raw_tesseract_seconds_per_page"]
    for engine, e in res["engines"].items():
        main = engine == OCR_ENGINE
        e["ratio_to_raw"] = e["seconds_per_page_mean"] / raw
        e["accuracy_ok"] = e["field_accuracy_pct"] >= OCR_FIELD_ACCURACY_MIN if main else None
        e["unflagged_ok"] = e["wrong_unflagged_pct"] <= OCR_UNFLAGGED_MAX if main else None
        e["speed_ok"] = e["seconds_per_page_mean"] <= OCR_SECONDS_MAX if main else None
        line(f"{engine}: fields right", f"{e['field_accuracy_pct']:.2f} %", f"≥ {OCR_FIELD_ACCURACY_MIN:.0f} %" if main else "",
             e["accuracy_ok"], f"characters {e['char_accuracy_pct']:.2f} %, sorted {e['sorted_right']}/{e['pages']} pages")
        line(f"{engine}: wrong and not flagged", f"{e['wrong_unflagged']} ({e['wrong_unflagged_pct']:.2f} %)",
             f"≤ {OCR_UNFLAGGED_MAX} %" if main else "", e["unflagged_ok"],
             f"flagged {e['flagged_pct']:.1f} % of {e['fields']:,} fields")
        line(f"{engine}: seconds per page", fmt_s(e["seconds_per_page_mean"]), f"≤ {OCR_SECONDS_MAX:.0f} s" if main else "",
             e["speed_ok"], f"{e['ratio_to_raw']:.2f}× raw Tesseract on the full page ({fmt_s(raw)})")
    return res


def minutes_step(run_dir: Path, hours: float) -> dict:
    """AI議事録 on the synthesised corpus (bench/minutes_corpus): CER without and with the 単語登録 list, diarization
    accuracy, real-time factor against faster-whisper called directly, and the peak memory of a long recording."""
    heading(f"10. AI議事録: CER, speakers, real-time factor, memory of a {hours:g}-hour recording")
    out_json = run_dir / "minutes.json"
    m = run_measured([PY, str(MINUTES_BENCH), "--json-out", str(out_json), "--long-hours", str(hours),
                      "--scratch", str(fresh_data_dir(run_dir, "minutes"))], dict(os.environ), timeout=MINUTES_TIMEOUT)
    if m.rc != 0 or not out_json.exists():
        line("minutes bench", "FAILED", ok=False, note=f"rc {m.rc}, wall {fmt_s(m.wall)}")
        print("    " + (m.stderr or m.stdout)[-2000:].replace("\n", "\n    "))
        return {"valid": False, "rc": m.rc}
    res = json.loads(out_json.read_text(encoding="utf-8"))
    res["valid"] = True
    cer = res["cer"]
    line("CER, no dictionary", f"{cer['without_dictionary']['cer']:.1%}", "(no target)", None,
         f"{cer['without_dictionary']['utterances']} utterances; 素起こし {cer['without_dictionary']['cer_raw']:.1%}")
    line("CER, with the 単語登録 list", f"{cer['with_dictionary']['cer']:.1%}", "(no target)", None,
         f"{res['vocabulary_entries']} words; {len(cer['changed_by_dictionary'])} utterances changed")
    diar = res["diarization"]
    line("speakers right, count given", f"{diar['num_speakers_given']['overall']:.1%}", "(no target)", None,
         "time-weighted over the meetings")
    line("speakers right, count free (1–8)", f"{diar['no_count_min1_max8']['overall']:.1%}", "(no target)", None,
         ", ".join(f"{k}: {v['speakers_found']}/{v['speakers_true']}" for k, v in diar["no_count_min1_max8"]["meetings"].items()))
    sp = res["speed"]
    res["rtf_ok"] = sp["rtf_ours_diarization"] <= MINUTES_RTF_MAX
    res["overhead_ok"] = sp["overhead_pct_vs_direct"] <= MINUTES_OVERHEAD_MAX
    line("RTF with speakers (base, int8)", f"{sp['rtf_ours_diarization']:.3f}", f"≤ {MINUTES_RTF_MAX}", res["rtf_ok"],
         f"direct faster-whisper {sp['rtf_direct']:.3f}, ours without speakers {sp['rtf_ours_no_diarization']:.3f}")
    line("overhead vs faster-whisper", f"{sp['overhead_pct_vs_direct']:+.1f} %", f"≤ {MINUTES_OVERHEAD_MAX:.0f} %",
         res["overhead_ok"], f"speakers add {sp['diarization_cost_pct_of_ours']:+.1f} %")
    if "long" in res:
        lg = res["long"]
        res["long_ok"] = lg["peak_rss_kb"] * 1024 < MINUTES_LONG_RSS_MAX
        line(f"{lg['audio_seconds'] / 3600:.1f} h recording: peak RSS", fmt_mb(lg["peak_rss_kb"] * 1024), "< 3 GB",
             res["long_ok"], f"RTF {lg['rtf']:.3f}, {lg['speakers_found']} speakers, {lg['segments']:,} lines")
    return res


def missed(runs: list[dict]) -> list[str]:
    out = []
    for k, r in enumerate(runs, start=1):
        i = r["import"]
        if not i["valid"]:
            out.append(f"run {k}: import did not report ok with {TASKS:,} 業務")
        if i["wall"] >= IMPORT_WALL_MAX:
            out.append(f"run {k}: import wall {fmt_s(i['wall'])} ≥ {IMPORT_WALL_MAX:.0f} s")
        if i["ratio"] > IMPORT_RATIO_MAX:
            out.append(f"run {k}: import/calamine {i['ratio']:.2f}× > {IMPORT_RATIO_MAX:.0f}×")
        if i["maxrss"] >= IMPORT_RSS_MAX:
            out.append(f"run {k}: import peak RSS {fmt_mb(i['maxrss'])} ≥ 1.5 GB")
        for s in (r.get("views") or {}).get("summaries", []):
            if not s["ok"]:
                out.append(f"run {k}: survey_summary(by={s['by']}) {fmt_s(s['median'])} ≥ {SUMMARY_MAX:.0f} s")
        for p in (r.get("views") or {}).get("pages", []):
            if not p["ok"]:
                out.append(f"run {k}: page {p['name']} {fmt_s(p['median'])} (HTTP {p['status']}, "
                           f"target {(p.get('target') or PAGE_MAX) * 1000:.0f} ms)")
        if r.get("bpr") and (r.get("views") or {}).get("bpr", {}).get("recomputed"):
            out.append(f"run {k}: the candidates were recomputed before the BPR pages (not cached)")
        b = r.get("bpr") or {}
        for key in ("extract", "recompute"):
            c = b.get(key)
            if c and not c["valid"]:
                out.append(f"run {k}: bpr candidates ({key}) failed or returned no candidates (rc {c['rc']})")
            elif c and not c["ok"]:
                out.append(f"run {k}: bpr candidates ({key}) {fmt_s(c['wall'])} ≥ {BPR_EXTRACT_MAX:.0f} s")
        if b.get("cached") and not b["cached"]["valid"]:
            out.append(f"run {k}: bpr candidates (cached) failed or returned no candidates")
        sim = b.get("similarity")
        if sim and not sim["valid"]:
            out.append(f"run {k}: bpr similarity failed (rc {sim['rc']}{', killed' if sim['timed_out'] else ''})")
        if sim and sim["wall"] >= BPR_SIMILARITY_MAX:
            out.append(f"run {k}: bpr similarity {fmt_s(sim['wall'])} ≥ {BPR_SIMILARITY_MAX:.0f} s")
        if sim and sim["maxrss"] >= BPR_SIMILARITY_RSS_MAX:
            out.append(f"run {k}: bpr similarity peak RSS {fmt_mb(sim['maxrss'])} ≥ 4 GB")
        f = r.get("flows") or {}
        if f.get("generate") and not f["generate"]["ok"]:
            out.append(f"run {k}: flows generate {fmt_s(f['generate']['wall'])} (rc {f['generate']['rc']}, "
                       f"{f['generate']['created']} flows; target < {FLOWS_GENERATE_MAX:.0f} s)")
        for what in ("search", "page"):
            if f and f.get(what, {}).get("rc") not in (0, None):
                out.append(f"run {k}: flows bench '{what}' failed (rc {f[what]['rc']})")
        for q in (f.get("search") or {}).get("queries", []):
            if not q["ok"]:
                out.append(f"run {k}: search 「{q['query']}」 {fmt_s(q['median'])} ≥ {SEARCH_QUERY_MAX * 1000:.0f} ms")
        for row in (f.get("page") or {}).get("pages", []):
            if not row["ok"]:
                out.append(f"run {k}: flow page {row['flow']} {fmt_s(row['median'])} ≥ {FLOW_PAGE_MAX:.0f} s")
        for fmt in ("xlsx", "pdf"):
            rp = b.get(f"report_{fmt}")
            if rp and not rp["valid"]:
                out.append(f"run {k}: bpr report .{fmt} failed (rc {rp['rc']})")
        d = r.get("digilab")
        if d and not d["valid"]:
            out.append(f"run {k}: digilab bench failed (rc {d['rc']}{', killed' if d['timed_out'] else ''}, "
                       f"{(d.get('insert') or {}).get('entries', 0):,} of {DIGILAB_ENTRIES:,} entries"
                       f"{', DEBUG on' if d.get('debug') else ''})")
        mn = r.get("minutes")
        if mn and not mn["valid"]:
            out.append(f"run {k}: minutes bench failed (rc {mn['rc']})")
        elif mn:
            out += [f"run {k}: minutes {what}" for what, ok in (("RTF", mn.get("rtf_ok")), ("overhead", mn.get("overhead_ok")),
                                                                 ("long-recording memory", mn.get("long_ok", True))) if not ok]
        oc = r.get("ocr")
        if oc and not oc["valid"]:
            out.append(f"run {k}: ocr bench failed (rc {oc['rc']})")
        elif oc:
            e = oc["engines"].get(OCR_ENGINE, {})
            out += [f"run {k}: ocr ({OCR_ENGINE}) {what}" for what, ok in (
                (f"fields right {e.get('field_accuracy_pct', 0):.2f} % < {OCR_FIELD_ACCURACY_MIN:.0f} %", e.get("accuracy_ok")),
                (f"wrong and unflagged {e.get('wrong_unflagged_pct', 0):.2f} % > {OCR_UNFLAGGED_MAX} %", e.get("unflagged_ok")),
                (f"{e.get('seconds_per_page_mean', 0):.2f} s per page > {OCR_SECONDS_MAX:.0f} s", e.get("speed_ok"))) if not ok]
        for p in (d or {}).get("pages", []):
            if not p["ok"]:
                out.append(f"run {k}: digilab {p['name']} {fmt_s(p['median'])} (HTTP {p['status']}"
                           + (f", target {p['target'] * 1000:.0f} ms" if p["target"] else "") + ")")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1, help="complete runs, each on a fresh database (default 1)")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per summary / page (median; default 5)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the synthetic city (default 2021)")
    parser.add_argument("--skip-demo", action="store_true", help="skip step 7 (civicdx demo --scale full)")
    parser.add_argument("--skip-bpr", action="store_true", help="skip step 4 (civicdx bpr candidates/similarity/report)")
    parser.add_argument("--skip-flows", action="store_true", help="skip step 8 (業務フロー: generate, search, pages)")
    parser.add_argument("--skip-report", action="store_true", help="skip the BPR report files in step 4")
    parser.add_argument("--skip-digilab", action="store_true",
                        help="skip step 9 (デジラボ: 1,000,000 ledger entries, KPI dashboard)")
    parser.add_argument("--skip-minutes", action="store_true", help="skip step 10 (AI議事録: CER, speakers, RTF, memory)")
    parser.add_argument("--minutes-hours", type=float, default=3.0,
                        help="length of the long recording of step 10 in hours (default 3; 0 skips it)")
    parser.add_argument("--skip-ocr", action="store_true", help="skip step 11 (AI-OCR: accuracy, flags, seconds per page)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases under var/bench-run/")
    parser.add_argument("--write-md", action="store_true", help="rewrite the numbers section of BENCHMARKS.md")
    parser.add_argument("--worker", choices=["views"], help=argparse.SUPPRESS)
    parser.add_argument("--survey-id", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "views":
        worker_views(args.survey_id, args.repeat)
        return

    machine = machine_info()
    print(f"civicdx bench — {machine['date']}, commit {machine['commit']}")
    print(f"  {machine['nproc']} cores ({machine['cpu']}), {machine['mem']}, Python {machine.get('python')}, "
          f"SQLite {machine.get('sqlite')}, Django {machine.get('django')}, python-calamine {machine.get('calamine')}, "
          f"load {machine['load']:.2f}")
    SCRATCH.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=dt.datetime.now().strftime("%Y%m%d-%H%M%S-"), dir=SCRATCH))
    print(f"  scratch data dirs: {scratch.relative_to(ROOT)}")
    runs = []
    try:
        for k in range(1, args.runs + 1):
            runs.append(one_run(k, args, scratch))
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)

    if len(runs) > 1:
        heading("Runs side by side")
        for label, get in (("calamine wall", lambda r: fmt_s(r["baseline"]["wall"])),
                           ("import wall", lambda r: fmt_s(r["import"]["wall"])),
                           ("import / calamine", lambda r: f"{r['import']['ratio']:.2f}×"),
                           ("import peak RSS", lambda r: fmt_mb(r["import"]["maxrss"])),
                           ("bpr candidates (extraction)", lambda r: fmt_s((r.get("bpr") or {}).get("extract", {}).get("wall"))),
                           ("bpr similarity", lambda r: fmt_s((r.get("bpr") or {}).get("similarity", {}).get("wall"))),
                           ("digilab dashboard ?year=2024", lambda r: fmt_s(next(
                               (p["median"] for p in (r.get("digilab") or {}).get("pages", [])
                                if p["key"] == "dashboard_2024"), None)))):
            print(f"  {label:<38} " + "  ".join(f"{get(r):>12}" for r in runs))
    problems = missed(runs)
    heading("Targets missed:" if problems else "All targets met.")
    for p in problems:
        print(f"  - {p}")
    if args.write_md:
        write_md(markdown(machine, runs, args.repeat))


if __name__ == "__main__":
    main()
