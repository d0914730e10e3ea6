"""Reads for 業務フロー, マニュアル, 引継書 and search, each filtered by what the user may see."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from civicdx.core.errors import NotFoundError, PermissionDeniedError
from civicdx.core.models import OrgUnit, User
from civicdx.core.permissions import can_view_unit, check_municipality, scope_path
from civicdx.flows import bpmn, search, textsearch
from civicdx.flows.manual import plain_text
from civicdx.flows.models import Flow, Handover, Manual, ManualAttachment, ManualVersion
from civicdx.flows.permissions import can_approve, can_edit, can_read, check_read
from civicdx.survey.models import Survey, Task


def task_get(*, user: User, task_id: int) -> Task:
    task = Task.objects.select_related("survey", "survey__municipality", "section", "section__parent").filter(
        pk=task_id).first()
    if task is None:
        raise NotFoundError("業務が見つかりません。")
    check_municipality(user, task.survey.municipality_id)
    return task


def task_readable(user: User, task: Task) -> bool:
    """False when the 業務's flow or manual is restricted and the user is outside its unit."""
    key = Flow.key_of(task)
    restricted = Flow.objects.filter(restricted=True, **key).exists() or \
        Manual.objects.filter(restricted=True, **key).exists()
    return can_read(user, task.survey.municipality_id, task.section.path, restricted)


def task_flows(*, user: User, task: Task) -> list[Flow]:
    flows = Flow.objects.filter(**Flow.key_of(task)).order_by("kind", "id")
    return [f for f in flows if can_read(user, f.municipality_id, f.section_path, f.restricted)]


def flow_get(*, user: User, flow_id: int) -> Flow:
    flow = Flow.objects.select_related("municipality").filter(pk=flow_id).first()
    if flow is None:
        raise NotFoundError("フローが見つかりません。")
    check_read(user, flow.municipality_id, flow.section_path, flow.restricted)
    return flow


def flow_task(flow: Flow, survey: Survey | None = None) -> Task | None:
    """The 業務 a flow belongs to in the given survey (else the latest survey that has it)."""
    tasks = Task.objects.filter(survey__municipality_id=flow.municipality_id, section__path=flow.section_path,
                                code=flow.task_code).select_related("survey", "section")
    if survey is not None:
        tasks = tasks.filter(survey=survey)
    return tasks.order_by("-survey__fiscal_year", "-survey_id").first()


def manual_get(*, user: User, task: Task) -> Manual | None:
    manual = Manual.objects.filter(**Manual.key_of(task)).select_related("owner").first()
    if manual is not None:
        check_read(user, manual.municipality_id, manual.section_path, manual.restricted)
    return manual


def readable_manual(user: User, task: Task) -> Manual | None:
    """The manual, or None when there is none or it is restricted to another unit."""
    try:
        return manual_get(user=user, task=task)
    except PermissionDeniedError:
        return None


def manual_version(manual: Manual | None, no: int | None = None) -> ManualVersion | None:
    if manual is None or not manual.version_no:
        return None
    return manual.versions.select_related("author", "approved_by").filter(no=no or manual.version_no).first()


STALE_AFTER = dt.timedelta(days=365)  # a manual not confirmed for a year needs a look


def stale_before(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()) - STALE_AFTER


def manual_state(manual: Manual | None, today=None) -> str:
    """ない / 作成中 / 承認待ち / 承認済み / 要見直し (approved but not reviewed for a year)."""
    if manual is None or not manual.version_no:
        return "なし"
    if manual.status == Manual.Status.APPROVED and (manual.last_reviewed_at is None
                                                    or manual.last_reviewed_at < stale_before(today)):
        return "要見直し"
    return manual.get_status_display()


def task_overview(*, user: User, task: Task) -> dict:
    """What the 業務 page shows: flows with hours and the saving of each To-Be against the As-Is."""
    flows = task_flows(user=user, task=task)
    as_is = next((f for f in flows if f.kind == Flow.Kind.AS_IS), None)
    rows = []
    for f in flows:
        delta = f.hours - as_is.hours if as_is is not None and f.kind == Flow.Kind.TO_BE else None
        rows.append({"flow": f, "delta": delta,
                     "delta_pct": (delta / as_is.hours * 100) if delta is not None and as_is.hours else None})
    manual = readable_manual(user, task)
    from civicdx.bpr.models import Candidate

    probe = Flow(**Flow.key_of(task))
    return {
        "flows": rows, "as_is": as_is, "manual": manual, "manual_state": manual_state(manual),
        "candidates": list(Candidate.objects.filter(task=task).order_by("-saving_hours")),
        "can_edit": can_edit(user, probe), "can_approve": can_approve(user, probe),
    }


def flow_compare(flow_a: Flow, no_a: int, flow_b: Flow, no_b: int) -> bpmn.FlowDiff:
    return bpmn.diff(bpmn.parse(flow_a.versions.get(no=no_a).xml), bpmn.parse(flow_b.versions.get(no=no_b).xml))


def coverage(*, user: User, survey: Survey, today=None) -> list[dict]:
    """Per 課: 業務, with a flow, with a manual, approved, stale (no review for a year), missing."""
    check_municipality(user, survey.municipality_id)
    flows = set(Flow.objects.filter(municipality_id=survey.municipality_id, kind=Flow.Kind.AS_IS)
                .values_list("section_path", "task_code"))
    manuals = {(p, c): (s, r) for p, c, s, r in Manual.objects.filter(
        municipality_id=survey.municipality_id, version_no__gt=0).values_list(
        "section_path", "task_code", "status", "last_reviewed_at")}
    cutoff = stale_before(today)
    by_division: dict[int, dict] = {}
    for path, code, div_id, div_name, div_path in Task.objects.filter(survey=survey).values_list(
            "section__path", "code", "section__parent_id", "section__parent__name", "section__parent__path"):
        row = by_division.setdefault(div_id, {"division_id": div_id, "division": div_name, "path": div_path,
                                              "tasks": 0, "flows": 0, "manuals": 0, "approved": 0, "stale": 0,
                                              "missing": 0})
        row["tasks"] += 1
        row["flows"] += (path, code) in flows
        m = manuals.get((path, code))
        if m is None:
            row["missing"] += 1
            continue
        row["manuals"] += 1
        if m[0] == Manual.Status.APPROVED:
            row["approved"] += 1
            if m[1] is None or m[1] < cutoff:
                row["stale"] += 1
    rows = sorted(by_division.values(), key=lambda r: r["path"] or "")
    for r in rows:
        r["manual_pct"] = r["manuals"] / r["tasks"] * 100 if r["tasks"] else 0.0
    return rows


def stale_tasks(*, user: User, survey: Survey, division: OrgUnit, today=None) -> list[dict]:
    """業務 of a 課 whose manual is missing, unapproved or not reviewed for a year."""
    check_municipality(user, survey.municipality_id)
    manuals = {(m.section_path, m.task_code): m for m in Manual.objects.filter(
        municipality_id=survey.municipality_id, section_path__startswith=division.path)}
    out = []
    tasks = Task.objects.filter(survey=survey).filter(
        Q(section__path=division.path) | Q(section__path__startswith=division.path + "/")).select_related("section")
    for task in tasks.order_by("section__sort_order", "sort_order", "id"):
        m = manuals.get((task.section.path, task.code))
        state = manual_state(m, today)
        if state in ("承認済み",):
            continue
        out.append({"task": task, "manual": m, "state": state})
    return out


def handover_facts(user: User, tasks: list[Task]) -> list[dict]:
    from civicdx.bpr.models import Candidate

    candidates = defaultdict(list)
    for c in Candidate.objects.filter(task__in=tasks).order_by("-saving_hours"):
        candidates[c.task_id].append(c)
    facts = []
    for task in tasks:
        flows = task_flows(user=user, task=task)
        as_is = next((f for f in flows if f.kind == Flow.Kind.AS_IS), None)
        manual = readable_manual(user, task)
        state = manual_state(manual)
        open_items = []
        if as_is is None:
            open_items.append("業務フローが未作成です。")
        if state == "なし":
            open_items.append("マニュアルが未作成です。")
        elif state in ("作成中", "承認待ち"):
            open_items.append(f"マニュアルが{state}です（係長の承認が必要）。")
        elif state == "要見直し":
            open_items.append("マニュアルが1年以上確認されていません。")
        for c in candidates[task.pk][:3]:
            open_items.append(f"BPR候補「{c.get_type_display()}」: {c.reasons[0] if c.reasons else c.rule}")
        facts.append({
            "code": task.code, "name": task.name, "hours": task.hours, "busy_months": task.busy_months,
            "flow_tasks": bpmn.task_lines(bpmn.parse(as_is.versions.get(no=as_is.version_no).xml)) if as_is else [],
            "manual_status": state, "manual_reviewed": f"{manual.last_reviewed_at:%Y-%m-%d}"
            if manual and manual.last_reviewed_at else "",
            "flow_url": reverse("flows:task", args=[task.pk]), "manual_url": reverse("flows:manual", args=[task.pk]),
            "open_items": open_items,
            "tobe": [(f.title, f.hours) for f in flows if f.kind == Flow.Kind.TO_BE],
        })
    return facts


def handovers_for(*, user: User) -> list[Handover]:
    """引継書 the user wrote or receives, and those of the units in the user's scope (all for the DX office)."""
    qs = Handover.objects.select_related("author", "successor", "org_unit", "survey")
    if user.municipality_id:
        qs = qs.filter(survey__municipality_id=user.municipality_id)
    scope = scope_path(user)
    if scope is not None:
        qs = qs.filter(Q(author=user) | Q(successor=user) | Q(org_unit__path=scope)
                       | Q(org_unit__path__startswith=f"{scope}/"))
    return list(qs[:200])


def handover_get(*, user: User, handover_id: int) -> Handover:
    handover = Handover.objects.select_related("author", "successor", "org_unit", "survey").filter(
        pk=handover_id).first()
    if handover is None or not (user.pk in (handover.author_id, handover.successor_id)
                                or can_view_unit(user, handover.org_unit)):
        raise NotFoundError("引継書が見つかりません。")
    return handover


def search_results(*, user: User, survey: Survey, query: str, limit: int = 20, offset: int = 0) -> dict:
    check_municipality(user, survey.municipality_id)
    hits, total, terms = search.search(survey=survey, query=query, scope=scope_path(user), limit=limit,
                                       offset=offset)
    tasks = {t.pk: t for t in Task.objects.filter(pk__in=[h.task_id for h in hits]).select_related(
        "section", "section__parent")}
    keys = [(t.section.path, t.code) for t in tasks.values()]
    paths, codes = {k[0] for k in keys}, {k[1] for k in keys}
    flows = {(f.section_path, f.task_code): f for f in Flow.objects.filter(
        municipality_id=survey.municipality_id, kind=Flow.Kind.AS_IS, section_path__in=paths, task_code__in=codes)}
    manuals = {(m.section_path, m.task_code): m for m in Manual.objects.filter(
        municipality_id=survey.municipality_id, section_path__in=paths, task_code__in=codes)}
    bodies = {}
    wanted = [(m.pk, m.version_no) for m in manuals.values() if m.version_no]
    for mid, no, body in ManualVersion.objects.filter(manual_id__in=[w[0] for w in wanted]).values_list(
            "manual_id", "no", "body"):
        if (mid, no) in wanted:
            bodies[mid] = body
    rows = []
    for hit in hits:
        task = tasks.get(hit.task_id)
        if task is None:
            continue
        key = (task.section.path, task.code)
        flow, manual = flows.get(key), manuals.get(key)
        readable_manual = manual is not None and can_read(user, manual.municipality_id, manual.section_path,
                                                          manual.restricted)
        snippets = []
        for label, text in (("業務名", task.name), ("フロー", flow.task_names.replace("\n", " / ") if flow else ""),
                            ("マニュアル", plain_text(bodies.get(manual.pk, "")) if readable_manual else "")):
            pieces = textsearch.snippet(text, terms)
            if pieces:
                snippets.append((label, pieces))
        rows.append({"task": task, "tier": hit.tier, "snippets": snippets, "flow": flow,
                     "manual_state": manual_state(manual)})
    return {"rows": rows, "total": total, "terms": terms, "query": query}


def attachment_get(*, user: User, attachment_id: int) -> ManualAttachment:
    att = ManualAttachment.objects.select_related("manual").filter(pk=attachment_id).first()
    if att is None:
        raise NotFoundError("添付ファイルがありません。")
    check_read(user, att.manual.municipality_id, att.manual.section_path, att.manual.restricted)
    return att


def unit_get(*, municipality_id: int, unit_id: str) -> OrgUnit | None:
    """The org unit named by a query parameter (None when it is not a number or not of this municipality)."""
    if not unit_id.isdigit():
        return None
    return OrgUnit.objects.filter(pk=int(unit_id), municipality_id=municipality_id).first()


def colleague_get(*, municipality_id: int, user_id: str) -> User | None:
    """A staff member of the municipality named by a form field (None when blank or unknown)."""
    if not str(user_id or "").isdigit():
        return None
    return User.objects.filter(pk=int(user_id), municipality_id=municipality_id).first()


def colleagues(*, municipality_id: int, exclude_id: int | None = None, editors_only: bool = False) -> list[User]:
    """Staff to choose a successor or a manual's owner from."""
    qs = User.objects.filter(municipality_id=municipality_id, is_active=True).exclude(pk=exclude_id)
    if editors_only:
        qs = qs.filter(role__in=(User.Role.EDITOR, User.Role.DX))
    return list(qs.order_by("username")[:500])


def manual_history(manual: Manual) -> list[ManualVersion]:
    return list(manual.versions.select_related("author", "approved_by").defer("body"))

