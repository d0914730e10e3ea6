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


def run_measured(cmd: list[str], env: dict, *, cwd: Path = ROOT) -> Measured:
    """Run ``cmd`` and return its wall time and its own peak RSS (os.wait4 gives the rusage of that child only)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(wall=wall, cpu=usage.ru_utime + usage.ru_stime, maxrss=usage.ru_maxrss * 1024,
                        rc=proc.returncode, stdout=out.read().decode("utf-8", "replace"),
                        stderr=err.read().decode("utf-8", "replace"))


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


def views_step(run_dir: Path, imp: dict, repeat: int) -> dict:
    heading(f"4./5. Summaries and pages as a DX user (median of {repeat}; pages after one warm-up; DEBUG off)")
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
    print(f"  {'page (server side, test client)':<38} {'median':>12}  {'target':<11} {'':<7}max / status / queries / size")
    for p in res["pages"]:
        med = statistics.median(p["times"])
        p["median"] = med
        p["ok"] = med < PAGE_MAX and p["status"] == 200
        line(p["name"], fmt_s(med), f"< {PAGE_MAX * 1000:.0f} ms", p["ok"],
             f"max {fmt_s(max(p['times']))}, {p['status']}, {p['queries']} q, {p['bytes'] / 1000:,.0f} kB  {p['url']}")
    return res


def demo_step(run_dir: Path) -> dict:
    heading("6. civicdx demo --scale full into a fresh SQLite database")
    data_dir = fresh_data_dir(run_dir, "demo")
    migrate(data_dir)
    m = run_measured([CIVICDX, "demo", "--scale", "full", "--verbosity", "0"], bench_env(data_dir))
    line("demo load wall", fmt_s(m.wall), note=f"rc {m.rc}, CPU {m.cpu:.2f} s")
    line("demo load peak RSS", fmt_mb(m.maxrss))
    if m.rc != 0:
        print("    " + m.stderr[-1500:].replace("\n", "\n    "))
    return {"wall": m.wall, "cpu": m.cpu, "maxrss": m.maxrss, "rc": m.rc}


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
    client = Client()
    client.force_login(user)
    page_rows = []
    for name, url in pages:
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
        page_rows.append({"name": name, "url": url, "pattern": url.replace(f"{base}/", "/survey/<id>/", 1),
                          "status": status, "queries": n_queries, "bytes": size,
                          "times": times})
    print(json.dumps({"summaries": summaries, "selectors": selector_rows, "pages": page_rows}))


# --- machine info and BENCHMARKS.md -------------------------------------------------------------------------------

def machine_info() -> dict:
    probe = run_measured([PY, "-c", "import json, sqlite3, platform, django, importlib.metadata as m; print(json.dumps("
                          "{'python': platform.python_version(), 'sqlite': sqlite3.sqlite_version, "
                          "'django': django.get_version(), 'calamine': m.version('python-calamine')}))"], dict(os.environ))
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
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                           text=True).stdout.strip()
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
        out += ["", f"### Pages: server-side time through `django.test.Client` (median of {repeat} after one warm-up, DEBUG off)",
                "", f"| page | {cols} | target | | queries | size |", f"|{'|'.join(['---'] * (n + 5))}|"]
        for k, p in enumerate(views[0]["pages"]):
            rs = [v["pages"][k] for v in views]
            vals = [fmt_s(x["median"]) + ("" if x["status"] == 200 else f" (HTTP {x['status']})") for x in rs]
            out.append(row(f"{p['name']} `{p['pattern']}`", vals, f"< {PAGE_MAX * 1000:.0f} ms",
                           all_ok([x["ok"] for x in rs])) + f" {p['queries']} | {p['bytes'] / 1000:,.0f} kB |")
    demos = [r.get("demo") for r in runs]
    if all(demos):
        out += ["", "### `civicdx demo --scale full` into a fresh database (no target)", "",
                f"| | {cols} |", f"|{'|'.join(['---'] * (n + 1))}|",
                f"| wall | " + " | ".join(fmt_s(d["wall"]) for d in demos) + " |",
                f"| CPU (user+sys) | " + " | ".join(fmt_s(d["cpu"]) for d in demos) + " |",
                f"| peak RSS | " + " | ".join(fmt_mb(d["maxrss"]) for d in demos) + " |"]
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
        result["views"] = views_step(run_dir, result["import"], args.repeat)
    if not args.skip_demo:
        result["demo"] = demo_step(run_dir)
    return result


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
                out.append(f"run {k}: page {p['name']} {fmt_s(p['median'])} (HTTP {p['status']})")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1, help="complete runs, each on a fresh database (default 1)")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per summary / page (median; default 5)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the synthetic city (default 2021)")
    parser.add_argument("--skip-demo", action="store_true", help="skip step 6 (civicdx demo --scale full)")
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
                           ("import peak RSS", lambda r: fmt_mb(r["import"]["maxrss"]))):
            print(f"  {label:<38} " + "  ".join(f"{get(r):>12}" for r in runs))
    problems = missed(runs)
    heading("Targets missed:" if problems else "All targets met.")
    for p in problems:
        print(f"  - {p}")
    if args.write_md:
        write_md(markdown(machine, runs, args.repeat))


if __name__ == "__main__":
    main()
