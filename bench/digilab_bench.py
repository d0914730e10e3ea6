"""Bench worker for デジラボ, run by bench/run.py (step 9) in a fresh, migrated data dir of its own (no survey).

    python bench/digilab_bench.py --repeat 5                  # inside bench_env(data_dir) (what run.py does)
    python bench/digilab_bench.py --scratch var/bench-run/dl  # alone: fresh data dir, migrate, then the above

Builds a city without the imported survey (municipality 401005, ~350 課 under a few 局, the default services and the
demo plan with the report's figures), bulk-inserts 1,000,000 ledger entries over five fiscal years (FY2021–2025, all
services, all 課, ~2 % projected; hours from ``civicdx.digilab.ledger.entry_hours``) with ``reserve_ids`` +
``bulk_insert`` in chunks, rebuilds the monthly sums (``ledger_months_rebuild``), and then times, as a DX user logged
in with ``django.test.Client`` (DEBUG off), the KPI dashboard ``/digilab/?year=2024`` and ``?year=2021``, the API
``/api/digilab/kpi?fiscal_year=2024``, ``selectors.kpi`` alone (and the dashboard's other selectors, for diagnosis)
and the ledger page ``/digilab/ledger/?year=2024`` (no target): median of ``--repeat`` after one warm-up.

Prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from bisect import bisect_right
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LG_CODE = "401005"
ENTRIES = 1_000_000
BUREAUS = 24
DIVISIONS = 350
FISCAL_YEARS = (2021, 2022, 2023, 2024, 2025)
YEAR_WEIGHTS = (0.10, 0.15, 0.20, 0.25, 0.30)  # use of the services grows year by year
PROJECTED_SHARE = 0.02  # annualised pilots: projected, never counted as measured
CHUNK = 50_000
VALID_FROM = dt.date(2021, 4, 1)
PAGE_YEARS = (2024, 2021)

# Per service (the default catalogue's names): share of the entries, share of the 課 that use it, the source of its
# entries, and the baseline minutes per unit when the catalogue has none (BPO).
SERVICE_MIX = {
    "AI議事録": (0.25, 0.90, "api", None),
    "AI-OCR": (0.25, 0.50, "service", None),
    "RPA集約処理": (0.35, 0.60, "service", None),
    "ローコード支援・ヘルプデスク": (0.10, 0.70, "manual", None),
    "BPO": (0.05, 0.20, "manual", 20.0),
}

BUREAU_NAMES = ["総務", "財政", "市民", "こども未来", "保健福祉", "環境", "経済観光", "農林水産", "住宅都市", "建築都市",
                "道路下水道", "港湾空港", "消防", "水道", "交通", "教育", "会計", "議会事務", "選挙管理", "人事委員会",
                "監査", "区役所", "病院", "デジタル"]
DIVISION_NAMES = ["企画", "管理", "庶務", "調整", "施設", "事業", "指導", "相談", "計画", "保全", "審査", "推進", "給付",
                  "整備", "業務", "調査"]


# --- the city ------------------------------------------------------------------------------------------------------

def make_city(seed: int) -> dict:
    """Municipality, 局 and 課, the default services and the demo plan (report's figures, demo entries)."""
    from django.db import transaction

    from civicdx.core.models import OrgUnit, User
    from civicdx.core.services import municipality_get_or_create
    from civicdx.digilab.demo import demo_load_digilab
    from civicdx.digilab.services import services_ensure

    with transaction.atomic():
        municipality = municipality_get_or_create(lg_code=LG_CODE, actor=None, is_demo=True)
        OrgUnit.objects.bulk_create([
            OrgUnit(municipality=municipality, kind=OrgUnit.Kind.BUREAU, name=f"{name}局", path=f"{name}局",
                    valid_from=VALID_FROM, sort_order=i) for i, name in enumerate(BUREAU_NAMES[:BUREAUS])])
        bureaus = list(OrgUnit.objects.filter(municipality=municipality, kind=OrgUnit.Kind.BUREAU).order_by("id"))
        divisions = []
        for i in range(DIVISIONS):
            bureau = bureaus[i % len(bureaus)]
            name = f"{bureau.name[:-1]}{DIVISION_NAMES[(i // len(bureaus)) % len(DIVISION_NAMES)]}" \
                   f"{'' if i < len(bureaus) * len(DIVISION_NAMES) else i // (len(bureaus) * len(DIVISION_NAMES)) + 1}課"
            divisions.append(OrgUnit(municipality=municipality, parent=bureau, kind=OrgUnit.Kind.DIVISION, name=name,
                                     path=f"{bureau.path}/{name}", valid_from=VALID_FROM, sort_order=100 + i))
        OrgUnit.objects.bulk_create(divisions)
        services_ensure(municipality=municipality)
    demo = demo_load_digilab(municipality=municipality, survey=None, seed=seed)
    user, _ = User.objects.get_or_create(username="bench-digilab", defaults={
        "role": User.Role.DX, "municipality": municipality, "display_name": "bench DX (デジラボ)"})
    user.role, user.municipality = User.Role.DX, municipality
    user.set_unusable_password()
    user.save()
    return {"municipality": municipality, "user": user, "demo_entries": demo["entries"],
            "divisions": list(OrgUnit.objects.filter(municipality=municipality, kind=OrgUnit.Kind.DIVISION)
                              .order_by("id").values_list("id", flat=True)),
            "bureaus": len(bureaus)}


# --- the ledger ----------------------------------------------------------------------------------------------------

def _job(kind: str, rng: random.Random, baseline: float) -> tuple[float, float, float, float]:
    """Units, residual minutes (checking left to the 課), centre minutes and failed units of one job or run."""
    r = rng.random
    if kind == "minutes":  # 音声分 of one meeting; correcting the draft takes 0.4–1.2 min per audio minute
        units = float(rng.randint(10, 90))
        return units, units * (0.4 + 0.8 * r()), 3 * r(), 0.0
    if kind == "ocr":  # 帳票 of one batch; sometimes checking costs more than typing did (net negative)
        units = float(int(rng.lognormvariate(3.0, 0.8)) + 5)
        per = 3.0 + 2.0 * r() if r() < 0.03 else 0.2 + 1.3 * r()
        return units, units * per, 20 * r() if r() < 0.3 else 0.0, float(int(units * 0.03 * r()))
    if kind == "rpa":  # 処理件数 of one robot run; little left to check
        units = float(int(rng.lognormvariate(2.5, 1.0)) + 5)
        return units, units * baseline * 0.2 * r(), 15 * r() if r() < 0.2 else 0.0, float(int(units * 0.01 * r()))
    if kind == "lowcode":  # 時間 saved by a staff-built app (アプリ台帳), the centre's consultation and review
        units = round(0.5 + 9.5 * r() ** 2, 1)
        return units, units * 60 * 0.15 * r(), 15 + 225 * r(), 0.0
    units = float(rng.randint(5, 40))  # BPO: 処理件数 sent out, checking the contractor's work
    return units, units * (1 + 3 * r()), 60 * r(), 0.0


def ledger_rows(rng: random.Random, n: int, first_id: int, ctx: dict):
    """``n`` entry tuples (bulk_insert's column order) and their total net hours."""
    from civicdx.digilab import ledger

    entry_hours = ledger.entry_hours
    mid = ctx["municipality_id"]
    years = rng.choices(range(len(FISCAL_YEARS)), cum_weights=ctx["year_cum"], k=n)
    services = rng.choices(range(len(ctx["services"])), cum_weights=ctx["service_cum"], k=n)
    rows, net = [], 0.0
    for i in range(n):
        sid, kind, source, pairs, cum = ctx["services"][services[i]]
        unit, baseline = pairs[bisect_right(cum, rng.random() * cum[-1])]
        day = ctx["days"][years[i]][int(rng.random() * len(ctx["days"][years[i]]))]
        units, residual, centre, failed = _job(kind, rng, baseline)
        residual, centre = round(residual, 1), round(centre, 1)
        measured = rng.random() >= PROJECTED_SHARE
        hours = entry_hours(units=units, baseline_minutes=baseline, residual_minutes=residual, centre_minutes=centre)
        net += hours.net
        rows.append((first_id + i, mid, sid, unit, "", "", day[0], day[1], day[2], units, failed, baseline, residual,
                     centre, hours.gross, hours.net, hours.centre, measured, source if measured else "manual",
                     "" if measured else "試行の年換算（見込み）", ctx["created_at"]))
    return rows, net


COLUMNS = ("id", "municipality_id", "service_id", "org_unit_id", "section_path", "task_code", "occurred_on",
           "fiscal_year", "month", "units", "units_failed", "baseline_minutes", "residual_minutes", "centre_minutes",
           "gross_hours", "net_hours", "centre_hours", "measured", "source", "note", "created_at")


def insert_ledger(city: dict, entries: int, seed: int) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from civicdx.core.bulk import bulk_insert, reserve_ids
    from civicdx.digilab.models import LedgerEntry, Service

    rng = random.Random(seed)
    municipality = city["municipality"]
    divisions = city["divisions"]
    weights = [1.0 / (k + 1) ** 0.6 for k in range(len(divisions))]  # big and small 課
    rng.shuffle(weights)
    services, total = [], sum(m[0] for m in SERVICE_MIX.values())
    service_cum, acc = [], 0.0
    for s in Service.objects.filter(municipality=municipality).order_by("sort_order", "id"):
        share, uses, source, fallback = SERVICE_MIX.get(s.name, (0.0, 0.0, "manual", 10.0))
        if share <= 0:
            continue
        default = s.default_baseline_minutes or fallback
        users = [k for k in range(len(divisions)) if rng.random() < uses] or [0]
        # Each 課 has its own measured baseline around the catalogue's default.
        pairs = [(divisions[k], round(default * rng.uniform(0.8, 1.25), 2)) for k in users]
        cum, c = [], 0.0
        for k in users:
            c += weights[k]
            cum.append(c)
        services.append((s.pk, s.kind, source, pairs, cum))
        acc += share / total
        service_cum.append(acc)
    today = timezone.localdate()
    days = []
    for year in FISCAL_YEARS:
        d, last = dt.date(year, 4, 1), min(dt.date(year + 1, 3, 31), today)
        out = []
        while d <= last:
            out.append((d.isoformat(), year, d.month))
            d += dt.timedelta(days=1)
        days.append(out)
    year_cum, c = [], 0.0
    for w in YEAR_WEIGHTS:
        c += w
        year_cum.append(c)
    ctx = {"municipality_id": municipality.pk, "services": services, "service_cum": service_cum, "days": days,
           "year_cum": year_cum, "created_at": connection.ops.adapt_datetimefield_value(timezone.now())}
    generate_s = insert_s = net = 0.0
    started = time.perf_counter()
    done = 0
    while done < entries:
        n = min(CHUNK, entries - done)
        with transaction.atomic():
            first_id = reserve_ids(LedgerEntry, n)
            t = time.perf_counter()
            rows, chunk_net = ledger_rows(rng, n, first_id, ctx)
            generate_s += time.perf_counter() - t
            t = time.perf_counter()
            bulk_insert(LedgerEntry, COLUMNS, rows)
            insert_s += time.perf_counter() - t
        net += chunk_net
        done += n
    wall = time.perf_counter() - started
    return {"entries": done, "seconds": wall, "generate_seconds": generate_s, "executemany_seconds": insert_s,
            "chunk": CHUNK, "net_hours": net, "service_users": {s[0]: len(s[3]) for s in services}}


def db_size() -> dict:
    """The SQLite file after a WAL checkpoint (and what the WAL held before it)."""
    from django.conf import settings
    from django.db import connection

    path = Path(settings.DATABASES["default"]["NAME"])
    wal = Path(str(path) + "-wal")
    wal_bytes = wal.stat().st_size if wal.exists() else 0
    with connection.cursor() as cur:
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"db_bytes": path.stat().st_size, "wal_bytes_before_checkpoint": wal_bytes, "db_path": str(path)}


# --- timing --------------------------------------------------------------------------------------------------------

def time_calls(fn, repeat: int) -> dict:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return {"times": times, "median": statistics.median(times)}


def time_page(client, name: str, url: str, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)  # warm-up; also counts the queries
        size = len(response.content)
    status, n_queries = response.status_code, len(queries)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        response = client.get(url)
        _ = response.content
        times.append(time.perf_counter() - t)
        status = status if status != 200 else response.status_code
    with CaptureQueriesContext(connection) as queries:  # once more, warm, for the slowest queries
        client.get(url)
    slowest = sorted(({"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:300]} for q in queries.captured_queries),
                     key=lambda q: -q["ms"])[:3]
    return {"name": name, "url": url, "status": status, "queries": n_queries, "bytes": size, "times": times,
            "median": statistics.median(times), "sql_ms": round(sum(float(q["time"]) for q in queries.captured_queries)
                                                                * 1000, 1), "slowest": slowest}


def measure(city: dict, repeat: int) -> dict:
    from django.test import Client

    from civicdx.digilab import selectors

    user, municipality = city["user"], city["municipality"]
    user.refresh_from_db()
    calls = {
        "kpi(2024)": lambda: selectors.kpi(user=user, municipality=municipality, fiscal_year=2024),
        "kpi(2021)": lambda: selectors.kpi(user=user, municipality=municipality, fiscal_year=2021),
        "plan": lambda: selectors.plan(user=user, municipality=municipality),
        "monthly(2024)": lambda: selectors.monthly(user=user, municipality=municipality, fiscal_year=2024),
        "by_department(2024)": lambda: selectors.by_department(user=user, municipality=municipality, fiscal_year=2024),
        "results_by_year": lambda: selectors.results_by_year(user=user, municipality=municipality),
    }
    selector_rows = [{"name": name, **time_calls(fn, repeat)} for name, fn in calls.items()]
    client = Client()
    client.force_login(user)
    pages = [time_page(client, f"dashboard {y}", f"/digilab/?year={y}", repeat) for y in PAGE_YEARS]
    pages.append(time_page(client, "API kpi 2024", "/api/digilab/kpi?fiscal_year=2024", repeat))
    pages.append(time_page(client, "ledger page 2024", "/digilab/ledger/?year=2024", repeat))
    for p, key in zip(pages, ("dashboard_2024", "dashboard_2021", "api_kpi", "ledger_page")):
        p["key"] = key
    return {"selectors": selector_rows, "pages": pages}


def worker(args) -> dict:
    if not os.environ.get("CIVICDX_DATA_DIR") or not os.environ.get("DATABASE_URL"):
        raise SystemExit("refusing to run outside a scratch data dir: set CIVICDX_DATA_DIR and DATABASE_URL "
                         "(bench/run.py's bench_env does), or use --scratch DIR")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicdx.settings.local")
    os.environ.setdefault("CIVICDX_DEBUG", "0")
    os.environ.setdefault("CIVICDX_ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from civicdx.digilab import selectors
    from civicdx.digilab.models import LedgerEntry, LedgerMonth
    from civicdx.digilab.services import ledger_months_rebuild

    if LedgerEntry.objects.exists():
        raise SystemExit("the database already has ledger entries: run against a fresh, migrated one")
    out: dict = {"debug": settings.DEBUG, "vendor": connection.vendor}
    t = time.perf_counter()
    city = make_city(args.seed)
    out["city"] = {"seconds": time.perf_counter() - t, "bureaus": city["bureaus"], "divisions": len(city["divisions"]),
                   "demo_entries": city["demo_entries"]}
    out["insert"] = insert_ledger(city, args.entries, args.seed)
    out["insert"]["service_users"] = {str(k): v for k, v in out["insert"]["service_users"].items()}
    t = time.perf_counter()
    month_rows = ledger_months_rebuild(municipality=city["municipality"])
    out["rebuild"] = {"seconds": time.perf_counter() - t, "rows": month_rows}
    out["size"] = db_size()
    out["ledger_entries"] = LedgerEntry.objects.count()
    out["ledger_months"] = LedgerMonth.objects.count()
    out["ledger_months_2024"] = LedgerMonth.objects.filter(fiscal_year=2024).count()
    out.update(measure(city, args.repeat))
    k = selectors.kpi(user=city["user"], municipality=city["municipality"], fiscal_year=2024)
    out["kpi_2024_total"] = k["total"]
    return out


def scratch(args) -> int:
    """Alone: a fresh data dir, migrated, and this worker in a subprocess with bench/run.py's environment."""
    sys.path.insert(0, str(ROOT / "bench"))
    import run as bench_run

    path = Path(args.scratch).resolve()
    data_dir = bench_run.fresh_data_dir(path.parent, path.name)
    bench_run.migrate(data_dir)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--repeat", str(args.repeat), "--entries", str(args.entries),
           "--seed", str(args.seed)]
    return subprocess.call(cmd, env=bench_run.bench_env(data_dir), cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per page / selector (median; default 5)")
    parser.add_argument("--entries", type=int, default=ENTRIES, help=f"ledger entries to insert (default {ENTRIES:,})")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--scratch", metavar="DIR", help="run alone: make DIR a fresh data dir (removed first), "
                        "migrate it and run the worker there")
    args = parser.parse_args()
    if args.scratch:
        raise SystemExit(scratch(args))
    print(json.dumps(worker(args), ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
