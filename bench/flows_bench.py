"""Bench worker for 業務フロー・マニュアル, run by bench/run.py (step 8) inside an imported city's data dir.

    python bench/flows_bench.py search --survey-id N --repeat 5   # a manual for every 業務, index, Japanese queries
    python bench/flows_bench.py page --survey-id N --port P       # flow pages in Chromium until the diagram is drawn

Prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import django

QUERIES = ["住民票 交付", "旅費の精算", "予算", "申請書の受付", "システム入力", "課長決裁", "台帳 照合", "窓口",
           "通知書の発送", "補助金 審査", "税", "ＲＰＡ"]


def manuals_for_every_task(survey) -> int:
    """A synthetic manual (one section per 作業, ≈600–1,500 characters) for every 業務 that has none."""
    from django.utils import timezone

    from civicdx.core.bulk import bulk_insert, reserve_ids
    from civicdx.flows import manual as manual_text
    from civicdx.flows.demo import KIND_TEXT
    from civicdx.flows.models import Manual, ManualVersion
    from civicdx.survey.models import Step, Task

    have = set(Manual.objects.filter(municipality_id=survey.municipality_id).values_list("section_path", "task_code"))
    tasks = [t for t in Task.objects.filter(survey=survey).values_list("id", "name", "code", "legal_basis",
                                                                       "section__path").order_by("id")
             if (t[4], t[2]) not in have]
    steps: dict[int, list] = {}
    for task_id, no, name, kind, minutes, cases in Step.objects.filter(survey=survey).order_by("task_id", "no") \
            .values_list("task_id", "no", "name", "kind", "minutes_per_case", "cases_per_year").iterator(chunk_size=20000):
        steps.setdefault(task_id, []).append((f"Activity_{len(steps.get(task_id, [])) + 1}", name,
                                              {"kind": kind, "minutes": minutes, "cases": cases}))
    now = timezone.now()
    first_manual, first_version = reserve_ids(Manual, len(tasks)), reserve_ids(ManualVersion, len(tasks))
    manual_rows, version_rows = [], []
    for i, (task_id, name, code, legal, path) in enumerate(tasks):
        body = manual_text.draft_from_flow(name, legal, steps.get(task_id, []))
        for _id, step_name, attrs in steps.get(task_id, []):
            body += f"\n{step_name}: {KIND_TEXT.get(attrs['kind'], '手順に従って処理する。')}"
        manual_rows.append((first_manual + i, survey.municipality_id, path, code, False, None, "draft", 1, None, None,
                            now))
        version_rows.append((first_version + i, first_manual + i, 1, body, "bench", None, now, None, None))
    bulk_insert(Manual, ("id", "municipality_id", "section_path", "task_code", "restricted", "owner_id", "status",
                         "version_no", "approved_no", "last_reviewed_at", "updated_at"), manual_rows)
    bulk_insert(ManualVersion, ("id", "manual_id", "no", "body", "comment", "author_id", "created_at",
                                "approved_by_id", "approved_at"), version_rows)
    return len(tasks)


def search_worker(survey_id: int, repeat: int) -> dict:
    from django.db import connection, transaction

    from civicdx.flows import search
    from civicdx.survey.models import Survey

    survey = Survey.objects.get(pk=survey_id)
    started = time.perf_counter()
    with transaction.atomic():
        made = manuals_for_every_task(survey)
    manuals_s = time.perf_counter() - started
    started = time.perf_counter()
    docs = search.index_rebuild(survey)
    index_s = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute("SELECT sum(length(body)) FROM flows_manualversion")
        manual_chars = cur.fetchone()[0] or 0
    out = []
    for q in QUERIES:
        search.search(survey=survey, query=q, scope=None)  # warm-up
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            hits, total, _terms = search.search(survey=survey, query=q, scope=None, limit=20)
            times.append(time.perf_counter() - t)
        out.append({"query": q, "times": times, "median": statistics.median(times), "total": total,
                    "first": hits[0].task_id if hits else None})
    return {"manuals": made, "manual_chars": manual_chars, "manuals_seconds": manuals_s, "index_seconds": index_s,
            "docs": docs, "queries": out}


def page_worker(survey_id: int, port: int, repeat: int) -> dict:
    from civicdx.core.models import User
    from civicdx.flows.models import Flow
    from civicdx.survey.models import Survey

    user = User.objects.filter(username="bench-flows").first() or User(username="bench-flows")
    user.role = User.Role.DX
    user.municipality = Survey.objects.get(pk=survey_id).municipality
    user.set_password("bench-flows-pass")
    user.save()
    flows = list(Flow.objects.order_by("-task_count", "id").values_list("id", "task_count")[:1]) + \
        list(Flow.objects.order_by("id").values_list("id", "task_count")[:2])
    env = dict(os.environ, CIVICDX_DEBUG="0", CIVICDX_ALLOWED_HOSTS="127.0.0.1,localhost")
    server = subprocess.Popen([str(Path(sys.executable).parent / "civicdx"), "runserver", "--noreload", "--insecure",
                               f"127.0.0.1:{port}"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                import urllib.request

                urllib.request.urlopen(base + "/accounts/login/", timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=os.environ.get("CIVICDX_CHROMIUM", "/usr/bin/chromium"),
                                        args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="ja-JP")
            page.goto(base + "/accounts/login/")
            page.fill("#id_username", "bench-flows")
            page.fill("#id_password", "bench-flows-pass")
            page.click("form button[type=submit]")
            page.wait_for_load_state()
            page.goto(f"{base}/flows/flow/{flows[0][0]}/")  # warm-up: static files into the browser cache
            page.wait_for_selector("[data-flow-editor][data-ready='1']", timeout=30000)
            rows = []
            for flow_id, task_count in flows:
                times = []
                for _ in range(repeat):
                    t = time.perf_counter()
                    page.goto(f"{base}/flows/flow/{flow_id}/")
                    page.wait_for_selector("[data-flow-editor][data-ready='1']", timeout=30000)
                    times.append(time.perf_counter() - t)
                rows.append({"flow": flow_id, "tasks": task_count, "times": times, "median": statistics.median(times)})
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {"pages": rows}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["search", "page"])
    parser.add_argument("--survey-id", type=int, required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicdx.settings.local")
    django.setup()
    if args.what == "search":
        result = search_worker(args.survey_id, args.repeat)
    else:
        result = page_worker(args.survey_id, args.port, args.repeat)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
