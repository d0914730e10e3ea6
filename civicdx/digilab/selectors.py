"""Reads of デジラボ: the KPI of a fiscal year, the plan table, the queue, a department's requests, the ledger.

Totals come from LedgerMonth (sums kept by every ledger write), so the dashboard reads a few thousand rows
whatever the size of the ledger.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q, Sum

from civicdx.core.errors import NotFoundError, PermissionDeniedError
from civicdx.core.models import Municipality, OrgUnit, User
from civicdx.core.permissions import check_municipality, is_dx_office, scope_path
from civicdx.digilab import ledger
from civicdx.digilab.models import (Initiative, LedgerEntry, LedgerMonth, Notification, Request, Service)
from civicdx.digilab.services import can_see_request

PLAN_YEARS = (2021, 2022, 2023, 2024, 2025)  # R3–R7


def services(*, municipality: Municipality) -> list[Service]:
    return list(Service.objects.filter(municipality=municipality))


def _months(municipality: Municipality):
    return LedgerMonth.objects.filter(municipality=municipality)


def kpi(*, user: User, municipality: Municipality, fiscal_year: int, plan_rows: list[dict] | None = None) -> dict:
    """The CLI's `digilab kpi --json` shape: per service gross/net/centre hours and measured flag, total, targets."""
    check_municipality(user, municipality)
    rows = (_months(municipality).filter(fiscal_year=fiscal_year)
            .values("service_id", "measured")
            .annotate(g=Sum("gross_hours"), n=Sum("net_hours"), c=Sum("centre_hours"), u=Sum("units"),
                      e=Sum("entries")))
    per: dict[int, dict] = {}
    for r in rows:
        d = per.setdefault(r["service_id"], {"gross": 0.0, "net": 0.0, "centre": 0.0, "units": 0.0, "entries": 0,
                                             "projected_entries": 0, "projected_net": 0.0})
        d["gross"] += r["g"] or 0
        d["net"] += r["n"] or 0
        d["centre"] += r["c"] or 0
        d["units"] += r["u"] or 0
        d["entries"] += r["e"] or 0
        if not r["measured"]:
            d["projected_net"] += r["n"] or 0
            d["projected_entries"] += r["e"] or 0
    out_services = []
    for s in services(municipality=municipality):
        d = per.get(s.pk)
        if d is None:
            continue
        out_services.append({
            "service": s.name, "service_id": s.pk, "unit": s.unit, "units": round(d["units"], 1),
            "entries": d["entries"], "gross_hours": round(d["gross"], 1), "net_hours": round(d["net"], 1),
            "centre_effort_hours": round(d["centre"], 1), "net_after_centre_hours": round(d["net"] - d["centre"], 1),
            "measured": d["projected_entries"] == 0, "projected_hours": round(d["projected_net"], 1),
            "person_years": round(ledger.person_years(d["net"]), 2)})
    total = {k: round(sum(s[k] for s in out_services), 1) for k in (
        "gross_hours", "net_hours", "centre_effort_hours", "net_after_centre_hours", "projected_hours")}
    total["person_years"] = round(ledger.person_years(total["net_hours"]), 2)
    total["measured"] = all(s["measured"] for s in out_services)
    return {"fiscal_year": fiscal_year, "services": out_services, "total": total,
            "targets": [{"initiative": p["name"], "target_hours": p["targets"].get(fiscal_year),
                         "actual_hours": round(p["actuals"].get(fiscal_year, 0.0), 1)}
                        for p in (plan_rows if plan_rows is not None else plan(user=user, municipality=municipality))]}


def results_by_year(*, user: User, municipality: Municipality) -> dict[int, dict[int, float]]:
    """Net hours per service and fiscal year ({service_id: {year: hours}}): the published 主な実績."""
    check_municipality(user, municipality)
    out: dict[int, dict[int, float]] = defaultdict(dict)
    for r in _months(municipality).values("service_id", "fiscal_year").annotate(n=Sum("net_hours")):
        out[r["service_id"]][r["fiscal_year"]] = r["n"] or 0.0
    return out


def plan(*, user: User, municipality: Municipality, by_year: dict[int, dict[int, float]] | None = None) -> list[dict]:
    """Each initiative with its target and actual (net hours of its services) per fiscal year.
    ``by_year`` is results_by_year's answer when the caller already has it."""
    check_municipality(user, municipality)
    if by_year is None:
        by_year = results_by_year(user=user, municipality=municipality)
    out = []
    for ini in Initiative.objects.filter(municipality=municipality).prefetch_related("services", "targets"):
        actuals: dict[int, float] = defaultdict(float)
        for s in ini.services.all():
            for year, hours in by_year.get(s.pk, {}).items():
                actuals[year] += hours
        out.append({"initiative": ini, "name": ini.name, "services": [s.name for s in ini.services.all()],
                    "targets": {t.fiscal_year: t.target_hours for t in ini.targets.all()}, "actuals": dict(actuals)})
    return out


def monthly(*, user: User, municipality: Municipality, fiscal_year: int) -> dict:
    """Net hours per service per month of the fiscal year (April first), and the running total."""
    check_municipality(user, municipality)
    names = {s.pk: s.name for s in services(municipality=municipality)}
    grid: dict[str, list[float]] = {}
    for r in (_months(municipality).filter(fiscal_year=fiscal_year).values("service_id", "month")
              .annotate(n=Sum("net_hours"))):
        row = grid.setdefault(names.get(r["service_id"], "?"), [0.0] * 12)
        row[ledger.FISCAL_MONTHS.index(r["month"])] += r["n"] or 0
    cumulative, running = [], 0.0
    for i in range(12):
        running += sum(row[i] for row in grid.values())
        cumulative.append(running)
    return {"months": [f"{m}月" for m in ledger.FISCAL_MONTHS], "series": grid, "cumulative": cumulative}


def by_department(*, user: User, municipality: Municipality, fiscal_year: int) -> list[dict]:
    """Net hours per department (課) of the fiscal year; a department user sees its own scope only."""
    check_municipality(user, municipality)
    rows = (_months(municipality).filter(fiscal_year=fiscal_year).values("department")
            .annotate(g=Sum("gross_hours"), n=Sum("net_hours"), c=Sum("centre_hours"), e=Sum("entries")))
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=[r["department"] for r in rows])}
    scope = scope_path(user)
    out = []
    for r in rows:
        unit = units.get(r["department"])
        if scope is not None and (unit is None or not (unit.path == scope or unit.path.startswith(scope + "/")
                                                       or scope.startswith(unit.path + "/"))):
            continue
        out.append({"unit": unit, "name": unit.path if unit else "（部署なし）", "gross_hours": r["g"] or 0,
                    "net_hours": r["n"] or 0, "centre_hours": r["c"] or 0, "entries": r["e"] or 0})
    return sorted(out, key=lambda r: -r["net_hours"])


def task_services(*, municipality_id: int, section_path: str, task_code: str) -> list[dict]:
    """The services applied to one 業務 with their hours (all years): what the 業務 page shows."""
    rows = (LedgerEntry.objects.filter(municipality_id=municipality_id, section_path=section_path,
                                       task_code=task_code)
            .values("service__name", "fiscal_year")
            .annotate(g=Sum("gross_hours"), n=Sum("net_hours"), u=Sum("units"), r=Sum("residual_minutes"))
            .order_by("fiscal_year", "service__name"))
    return [{"service": r["service__name"], "fiscal_year": r["fiscal_year"], "units": r["u"] or 0,
             "before_hours": r["g"] or 0, "after_hours": (r["r"] or 0) / 60, "saved_hours": r["n"] or 0} for r in rows]


def project_achieved(*, project) -> float:
    """Net hours of the ledger on a BPR 施策's 業務 (all years)."""
    keys = [(t.section.path, t.code) for t in project.tasks.select_related("section")]
    if not keys:
        return 0.0
    q = Q()
    for path, code in keys:
        q |= Q(section_path=path, task_code=code)
    return LedgerEntry.objects.filter(q, municipality_id=project.survey.municipality_id).aggregate(
        n=Sum("net_hours"))["n"] or 0.0


def requests_for(*, user: User, municipality: Municipality, queue: bool = False, status: str | None = None):
    """The centre's queue (everything) or the requests of the user's own units."""
    check_municipality(user, municipality)
    qs = Request.objects.filter(municipality=municipality).select_related("service", "org_unit", "requester",
                                                                        "assignee")
    if queue:
        if not is_dx_office(user):
            raise PermissionDeniedError("依頼の一覧（窓口）はセンター（DX推進担当）だけが見られます。")
    else:
        scope = scope_path(user)
        if scope is not None:
            qs = qs.filter(Q(requester=user) | Q(org_unit__path=scope) | Q(org_unit__path__startswith=scope + "/"))
        elif not is_dx_office(user):
            qs = qs.filter(requester=user)
    if status == "open":
        qs = qs.filter(status__in=Request.OPEN)
    elif status:
        qs = qs.filter(status=status)
    return qs


def request_get(*, user: User, request_id: int) -> Request:
    req = Request.objects.select_related("service", "org_unit", "requester", "assignee").filter(pk=request_id).first()
    if req is None or not can_see_request(user, req):
        raise NotFoundError("依頼が見つかりません。")
    return req


def ledger_entries(*, user: User, municipality: Municipality, fiscal_year: int | None = None,
                   service_id: int | None = None, limit: int = 200):
    check_municipality(user, municipality)
    qs = LedgerEntry.objects.filter(municipality=municipality).select_related("service", "org_unit", "request")
    scope = scope_path(user)
    if scope is not None:
        qs = qs.filter(Q(org_unit__path=scope) | Q(org_unit__path__startswith=scope + "/")
                       | Q(section_path__startswith=scope + "/") | Q(section_path=scope))
    if fiscal_year:
        qs = qs.filter(fiscal_year=fiscal_year)
    if service_id:
        qs = qs.filter(service_id=service_id)
    return qs[:limit]


def unread_notifications(user: User) -> int:
    if not (user and user.is_authenticated):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
