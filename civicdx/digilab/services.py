"""Writes of デジラボ: catalogue and baselines, requests and their desk work, the ledger, the plan's targets.

The centre is the DX office (DX推進担当 and システム管理者). Departments file requests for their own units and post
ledger entries (by hand or through the API) for them; the centre can do everything.
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from civicdx.core.errors import ApplicationError, PermissionDeniedError
from civicdx.core.models import Municipality, OrgUnit, User
from civicdx.core.permissions import can_view_unit, check_dx, check_municipality, is_dx_office
from civicdx.core.services import audit_record
from civicdx.digilab import ledger
from civicdx.survey.normalize import parse_number
from civicdx.digilab.models import (Baseline, Initiative, LedgerEntry, LedgerMonth, Notification, Request,
                                    RequestAttachment, RequestComment, Service, Target)

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

# The catalogue a city starts with: name, kind, unit, default minutes per unit before, SLA days, description.
DEFAULT_SERVICES = [
    ("AI議事録", Service.Kind.MINUTES, "音声分", 4.0, 5,
     "会議の録音から議事録の下書きを作る（手作業の起こしは音声の3〜5倍の時間: 1音声分あたり4分を標準とする）"),
    ("AI-OCR", Service.Kind.OCR, "帳票", 3.0, 15, "紙の申請書・調査票を読み取りCSVにする（帳票定義はセンターが作成）"),
    ("RPA集約処理", Service.Kind.RPA, "処理件数", 2.0, 20, "定型のシステム入力・照合・集計をロボットで実行する"),
    ("ローコード支援・ヘルプデスク", Service.Kind.LOWCODE, "アプリ台帳の時間", 60.0, 10,
     "職員が作る業務アプリ（kintone 型）の相談・研修・審査"),
    ("BPO", Service.Kind.BPO, "処理件数", None, 30, "定型業務の外部委託の調整"),
]


def _notify(users, text: str, url: str) -> None:
    users = [u for u in users if u is not None and u.pk]
    Notification.objects.bulk_create([Notification(user=u, text=text[:300], url=url) for u in users])
    if getattr(settings, "EMAIL_HOST", "") and settings.EMAIL_HOST != "localhost":
        recipients = [u.email for u in users if u.email]
        if recipients:
            send_mail(f"[civicdx] {text[:60]}", f"{text}\n{url}", None, recipients, fail_silently=True)


def _centre_staff(municipality_id: int) -> list[User]:
    return list(User.objects.filter(municipality_id=municipality_id, is_active=True,
                                    role__in=(User.Role.DX, User.Role.ADMIN)))


# ---------------------------------------------------------------------------------------------------------------
# Catalogue, baselines, plan
# ---------------------------------------------------------------------------------------------------------------

def services_ensure(*, municipality: Municipality) -> list[Service]:
    """The default catalogue for a municipality that has none."""
    if not Service.objects.filter(municipality=municipality).exists():
        Service.objects.bulk_create([
            Service(municipality=municipality, name=name, kind=kind, unit=unit, default_baseline_minutes=minutes,
                    sla_days=sla, description=text, sort_order=i)
            for i, (name, kind, unit, minutes, sla, text) in enumerate(DEFAULT_SERVICES)])
    return list(Service.objects.filter(municipality=municipality))


def service_save(*, actor: User, municipality: Municipality, data: dict, service: Service | None = None) -> Service:
    check_dx(actor)
    check_municipality(actor, municipality)
    name = (data.get("name") or "").strip()
    unit = (data.get("unit") or "").strip()
    if not name or not unit:
        raise ApplicationError("service_invalid", "サービス名と単位は必須です。")
    service = service or Service(municipality=municipality)
    old = {"name": service.name, "unit": service.unit}
    service.name, service.unit = name[:100], unit[:30]
    service.kind = data.get("kind") or service.kind
    service.description = data.get("description", service.description)
    service.default_baseline_minutes = _number(data.get("default_baseline_minutes"), "標準の導入前時間", allow_none=True)
    service.sla_days = int(_number(data.get("sla_days") or service.sla_days, "標準の処理日数"))
    service.active = bool(data.get("active", True))
    service.save()
    audit_record(actor=actor, action="digilab.service.save", obj=service, municipality=municipality,
                 changes={"name": [old["name"], name], "unit": [old["unit"], unit]})
    return service


def _number(value, label: str, *, allow_none: bool = False) -> float | None:
    """A non-negative number from a form or the API: full-width digits, 1,234 and 約 accepted; Japanese errors."""
    if value in (None, ""):
        if allow_none:
            return None
        raise ApplicationError("number_missing", f"{label}を入力してください。")
    try:
        number = parse_number(value)
    except ValueError:
        number = None
    if number is None or not math.isfinite(number):
        raise ApplicationError("number_invalid", f"{label}「{value}」は数として読めません。")
    if number < 0:
        raise ApplicationError("number_negative", f"{label}は0以上にしてください（{value}）。")
    return number


def baseline_create(*, actor: User, service: Service, minutes_per_unit, source: str = Baseline.Source.SAMPLE,
                    org_unit: OrgUnit | None = None, task=None, sample_size=None, measured_by: str = "",
                    measured_on: dt.date | None = None, note: str = "") -> Baseline:
    """A baseline for a service in a department (and 業務). Timed samples should have 10 units or more."""
    check_dx(actor)
    minutes = _number(minutes_per_unit, "導入前の時間（分/単位）")
    size = int(_number(sample_size, "サンプル数")) if sample_size not in (None, "") else None
    if source == Baseline.Source.SAMPLE and (size is None or size < 1):
        raise ApplicationError("baseline_sample", "計測による基準値には、計測した単位数（サンプル数）を入れてください。")
    baseline = Baseline.objects.create(
        service=service, org_unit=org_unit or (task.section.parent if task is not None else None),
        section_path=task.section.path if task is not None else "", task_code=task.code if task is not None else "",
        task_name=task.name if task is not None else "", minutes_per_unit=minutes, source=source, sample_size=size,
        measured_by=measured_by[:100], measured_on=measured_on, note=note[:300])
    audit_record(actor=actor, action="digilab.baseline.create", obj=baseline, municipality=service.municipality,
                 changes={"service": service.name, "minutes_per_unit": minutes, "source": source})
    return baseline


SURVEY_STEP_KINDS = {
    Service.Kind.OCR: ("入力・転記",),
    Service.Kind.RPA: ("入力・転記", "照合・点検", "計算", "集計・報告"),
    Service.Kind.MINUTES: ("会議・打合せ",),
}


def baseline_from_survey(*, actor: User, service: Service, task) -> Baseline:
    """Minutes per case of the 業務's 作業手順 that the service takes over (all steps for other services)."""
    kinds = SURVEY_STEP_KINDS.get(service.kind)
    steps = [s for s in task.steps.all() if s.minutes_per_case is not None and (kinds is None or s.kind in kinds)]
    if not steps:
        raise ApplicationError("baseline_no_steps", f"「{task.name}」には、{service.name}の基準にできる作業手順"
                               f"（{'・'.join(kinds) if kinds else '1件当たり時間のある手順'}）がありません。")
    minutes = sum(s.minutes_per_case for s in steps)
    return baseline_create(actor=actor, service=service, minutes_per_unit=minutes, source=Baseline.Source.SURVEY,
                           task=task, measured_by="業務量調査", note="手順 " + "、".join(f"{s.no}.{s.name}" for s in steps))


def baseline_for(service: Service, org_unit: OrgUnit | None, section_path: str = "", task_code: str = "") -> Baseline | None:
    """The most specific baseline: the 業務's, else the department's (newest first)."""
    qs = Baseline.objects.filter(service=service).order_by(F("measured_on").desc(nulls_last=True), "-id")
    if task_code:
        found = qs.filter(section_path=section_path, task_code=task_code).first()
        if found:
            return found
    if org_unit is not None:
        found = qs.filter(org_unit=org_unit, task_code="").first()
        if found:
            return found
    return None


def targets_save(*, actor: User, initiative: Initiative, targets: dict[int, object]) -> Initiative:
    check_dx(actor)
    changes = {}
    for year, value in targets.items():
        hours = _number(value, f"{year}年度の目標", allow_none=True)
        old = Target.objects.filter(initiative=initiative, fiscal_year=year).first()
        if hours is None:
            if old:
                changes[str(year)] = [old.target_hours, None]
                old.delete()
            continue
        if old is None or old.target_hours != hours:
            changes[str(year)] = [old.target_hours if old else None, hours]
            Target.objects.update_or_create(initiative=initiative, fiscal_year=year, defaults={"target_hours": hours})
    if changes:
        audit_record(actor=actor, action="digilab.targets.save", obj=initiative, municipality=initiative.municipality,
                     changes=changes)
    return initiative


# ---------------------------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------------------------

def department_of(unit: OrgUnit) -> OrgUnit:
    """The 課 a unit belongs to (a 係 → its 課; a 課 or higher stays)."""
    return unit.parent if unit.kind == OrgUnit.Kind.SECTION and unit.parent_id else unit


def request_create(*, actor: User, service: Service, title: str, description: str = "", task=None,
                   org_unit: OrgUnit | None = None, volume=None, deadline: dt.date | None = None,
                   files=()) -> Request:
    unit = org_unit or (task.section if task is not None else actor.org_unit)
    if unit is None:
        raise ApplicationError("request_unit", "依頼する部署を選んでください。")
    if not can_view_unit(actor, unit):
        raise PermissionDeniedError("自分の所属の依頼だけを出せます。")
    if actor.role == User.Role.VIEWER:
        raise PermissionDeniedError("閲覧者は依頼を出せません。")
    if not service.active or service.municipality_id != unit.municipality_id:
        raise ApplicationError("request_service", "このサービスは受付していません。")
    title = (title or "").strip()
    if not title:
        raise ApplicationError("request_title", "件名を入力してください。")
    today = timezone.localdate()
    if deadline is not None and deadline < today:
        raise ApplicationError("request_deadline", f"希望期限（{deadline:%Y-%m-%d}）が過去の日付です。")
    with transaction.atomic():
        req = Request.objects.create(
            municipality_id=unit.municipality_id, service=service, org_unit=unit, requester=actor, title=title[:200],
            description=description, section_path=task.section.path if task is not None else "",
            task_code=task.code if task is not None else "", task_name=task.name if task is not None else "",
            volume=_number(volume, "見込み件数", allow_none=True), deadline=deadline,
            sla_due=today + dt.timedelta(days=service.sla_days))
        for upload in files:
            _attach(req, upload, actor)
        audit_record(actor=actor, action="digilab.request.create", obj=req, municipality=req.municipality,
                     changes={"service": service.name, "title": req.title})
    _notify(_centre_staff(req.municipality_id), f"新しい依頼: {req.title}（{unit.name}・{service.name}）",
            reverse("digilab:request", args=[req.pk]))
    return req


def _attach(req: Request, upload, actor: User) -> RequestAttachment:
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ApplicationError("attachment_size", f"「{upload.name}」が大きすぎます（{upload.size / 1024 / 1024:.1f} MB、"
                               f"上限 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB）。")
    att = RequestAttachment(request=req, original_name=(upload.name or "file")[:255], size=upload.size,
                            uploaded_by=actor if actor.pk else None)
    ext = upload.name.rsplit(".", 1)[-1].lower() if "." in (upload.name or "") else "bin"
    att.file.save(f"{timezone.now():%Y%m%d%H%M%S}.{ext[:8]}", upload, save=False)
    att.save()
    return att


def can_work_request(user: User, req: Request) -> bool:
    return is_dx_office(user) and (user.municipality_id in (None, req.municipality_id))


def can_see_request(user: User, req: Request) -> bool:
    return can_work_request(user, req) or req.requester_id == user.pk or can_view_unit(user, req.org_unit)


def request_comment(*, actor: User, req: Request, body: str) -> RequestComment:
    if not can_see_request(actor, req):
        raise PermissionDeniedError("この依頼を見る権限がありません。")
    body = (body or "").strip()
    if not body:
        raise ApplicationError("comment_empty", "コメントを入力してください。")
    comment = RequestComment.objects.create(request=req, author=actor, body=body)
    others = [req.requester, req.assignee] if can_work_request(actor, req) else ([req.assignee] if req.assignee
                                                                                  else _centre_staff(req.municipality_id))
    _notify([u for u in others if u and u.pk != actor.pk], f"依頼「{req.title}」にコメント: {body[:80]}",
            reverse("digilab:request", args=[req.pk]))
    return comment


TRANSITIONS = {
    Request.Status.NEW: {Request.Status.TRIAGED, Request.Status.IN_PROGRESS, Request.Status.REJECTED,
                         Request.Status.DONE},
    Request.Status.TRIAGED: {Request.Status.IN_PROGRESS, Request.Status.WAITING, Request.Status.REJECTED,
                             Request.Status.DONE},
    Request.Status.IN_PROGRESS: {Request.Status.WAITING, Request.Status.DONE, Request.Status.REJECTED},
    Request.Status.WAITING: {Request.Status.IN_PROGRESS, Request.Status.DONE, Request.Status.REJECTED},
    Request.Status.DONE: {Request.Status.IN_PROGRESS},
    Request.Status.REJECTED: {Request.Status.TRIAGED},
}


@transaction.atomic
def request_update(*, actor: User, req: Request, status: str | None = None, assignee: User | None = None,
                   sla_due: dt.date | None = None, comment: str = "") -> Request:
    """The centre triages, assigns, changes the status and closes; each change is a line in the history."""
    if not can_work_request(actor, req):
        raise PermissionDeniedError("依頼の受付・担当・状態の変更はセンター（DX推進担当）が行います。")
    events = []
    if status and status not in Request.Status.values:
        raise ApplicationError("request_status", f"状態「{status}」はありません。")
    if status and status != req.status:
        if status not in TRANSITIONS.get(req.status, set()):
            raise ApplicationError("request_transition", f"「{req.get_status_display()}」から"
                                   f"「{Request.Status(status).label}」には変えられません。")
        events.append((f"status:{status}", f"状態: {req.get_status_display()} → {Request.Status(status).label}"))
        req.status = status
        req.closed_at = timezone.now() if status in (Request.Status.DONE, Request.Status.REJECTED) else None
    if assignee is not None and assignee.pk != req.assignee_id:
        if not is_dx_office(assignee):
            raise ApplicationError("request_assignee", "担当はセンターの職員から選んでください。")
        events.append((f"assign:{assignee.username}", f"担当: {assignee.label}"))
        req.assignee = assignee
    if sla_due is not None and sla_due != req.sla_due:
        events.append(("sla", f"対応期限: {req.sla_due} → {sla_due}"))
        req.sla_due = sla_due
    if not events and not comment.strip():
        return req
    req.save()
    for event, text in events:
        RequestComment.objects.create(request=req, author=actor, body=text, event=event)
    if comment.strip():
        RequestComment.objects.create(request=req, author=actor, body=comment.strip())
    audit_record(actor=actor, action="digilab.request.update", obj=req, municipality=req.municipality,
                 changes={"events": [e for e, _t in events]})
    text = "、".join(t for _e, t in events) or comment.strip()[:80]
    _notify([u for u in (req.requester, req.assignee) if u and u.pk != actor.pk], f"依頼「{req.title}」: {text}",
            reverse("digilab:request", args=[req.pk]))
    return req


# ---------------------------------------------------------------------------------------------------------------
# Ledger
# ---------------------------------------------------------------------------------------------------------------

def _month_key(entry: LedgerEntry) -> dict:
    return {"municipality_id": entry.municipality_id, "service_id": entry.service_id,
            "department": entry.org_unit_id or 0, "fiscal_year": entry.fiscal_year, "month": entry.month,
            "measured": entry.measured}


def _month_add(entry: LedgerEntry, sign: int) -> None:
    key = _month_key(entry)
    LedgerMonth.objects.get_or_create(**key)
    LedgerMonth.objects.filter(**key).update(
        entries=F("entries") + sign, units=F("units") + sign * entry.units,
        gross_hours=F("gross_hours") + sign * entry.gross_hours, net_hours=F("net_hours") + sign * entry.net_hours,
        centre_hours=F("centre_hours") + sign * entry.centre_hours,
        residual_hours=F("residual_hours") + sign * (entry.gross_hours - entry.net_hours))


def can_post_entry(user: User, service: Service, org_unit: OrgUnit | None) -> bool:
    if is_dx_office(user):
        return user.municipality_id in (None, service.municipality_id)
    return user.role == User.Role.EDITOR and org_unit is not None and can_view_unit(user, org_unit)


@transaction.atomic
def ledger_entry_create(*, actor: User | None, service: Service, occurred_on: dt.date, units,
                        org_unit: OrgUnit | None = None, task=None, request: Request | None = None,
                        baseline_minutes=None, residual_minutes=0, centre_minutes=0, units_failed=0,
                        measured: bool = True, source: str = LedgerEntry.Source.MANUAL, note: str = "",
                        gross_hours=None) -> LedgerEntry:
    """Write one ledger entry (by hand, through the API, or from a service's own job: ``actor`` None).

    The baseline is the one given, else the most specific stored one (業務, then department), else the service's
    default; the entry keeps the minutes it used. ``gross_hours`` is only for totals copied from a report
    (source REPORT), which have no units.
    """
    if request is not None:
        org_unit = org_unit or request.org_unit
    if task is not None:
        org_unit = org_unit or task.section
    department = department_of(org_unit) if org_unit is not None else None
    # Permission on the unit as given: a 係 editor posts for its 係; the entry is counted under the 課.
    if actor is not None and not can_post_entry(actor, service, org_unit):
        raise PermissionDeniedError("この部署の実績を登録する権限がありません。")
    if occurred_on > timezone.localdate() and measured:
        raise ApplicationError("ledger_future", f"実施日（{occurred_on:%Y-%m-%d}）が未来です。見込みとして登録してください。")
    baseline = None
    if gross_hours is None:
        if baseline_minutes in (None, ""):
            baseline = baseline_for(service, department, task.section.path if task else "", task.code if task else "")
            minutes = baseline.minutes_per_unit if baseline else service.default_baseline_minutes
            if minutes is None:
                raise ApplicationError("ledger_baseline", f"{service.name}の導入前の時間（基準値）がありません。"
                                       "基準値を登録するか、この実績に入力してください。")
        else:
            minutes = _number(baseline_minutes, "導入前の時間")
        try:
            hours = ledger.entry_hours(units=_number(units, "処理した単位数"), baseline_minutes=minutes,
                                       residual_minutes=_number(residual_minutes or 0, "確認・修正の時間"),
                                       centre_minutes=_number(centre_minutes or 0, "センターの作業時間"))
        except ValueError as exc:
            raise ApplicationError("ledger_invalid", str(exc)) from None
    else:
        minutes = 0.0
        gross = _number(gross_hours, "削減時間")
        hours = ledger.Hours(gross=gross, net=gross, centre=_number(centre_minutes or 0, "センターの作業時間") / 60,
                             residual=0.0)
    entry = LedgerEntry.objects.create(
        municipality_id=service.municipality_id, service=service, org_unit=department,
        section_path=task.section.path if task else "", task_code=task.code if task else "", request=request,
        baseline=baseline, occurred_on=occurred_on, fiscal_year=ledger.fiscal_year_of(occurred_on),
        month=occurred_on.month, units=_number(units or 0, "処理した単位数"),
        units_failed=_number(units_failed or 0, "失敗した単位数"), baseline_minutes=minutes,
        residual_minutes=_number(residual_minutes or 0, "確認・修正の時間"),
        centre_minutes=_number(centre_minutes or 0, "センターの作業時間"), gross_hours=hours.gross,
        net_hours=hours.net, centre_hours=hours.centre, measured=measured, source=source, note=note[:300],
        created_by=actor if actor is not None and actor.pk else None)
    _month_add(entry, +1)
    audit_record(actor=actor if actor is not None and actor.pk else None, action="digilab.ledger.create", obj=entry,
                 municipality=service.municipality,
                 changes={"service": service.name, "units": entry.units, "net_hours": round(entry.net_hours, 2),
                          "measured": measured})
    return entry


@transaction.atomic
def ledger_entry_delete(*, actor: User, entry: LedgerEntry, reason: str) -> None:
    """Remove a wrong entry (the centre only; the reason stays in the audit log with the entry's figures)."""
    check_dx(actor)
    if not reason.strip():
        raise ApplicationError("ledger_reason", "取り消す理由を入力してください。")
    _month_add(entry, -1)
    audit_record(actor=actor, action="digilab.ledger.delete", obj=entry, municipality=entry.municipality,
                 changes={"reason": reason[:300], "service": entry.service.name, "units": entry.units,
                          "net_hours": entry.net_hours, "occurred_on": str(entry.occurred_on)})
    entry.delete()


def ledger_months_rebuild(*, municipality: Municipality) -> int:
    """Recompute the monthly sums from the entries (after a bulk load)."""
    LedgerMonth.objects.filter(municipality=municipality).delete()
    from django.db.models import Count, Sum

    rows = (LedgerEntry.objects.filter(municipality=municipality)
            .values("service_id", "org_unit_id", "fiscal_year", "month", "measured")
            .annotate(n=Count("id"), u=Sum("units"), g=Sum("gross_hours"), net=Sum("net_hours"),
                      c=Sum("centre_hours")))
    LedgerMonth.objects.bulk_create([
        LedgerMonth(municipality=municipality, service_id=r["service_id"], department=r["org_unit_id"] or 0,
                    fiscal_year=r["fiscal_year"], month=r["month"], measured=r["measured"], entries=r["n"],
                    units=r["u"] or 0, gross_hours=r["g"] or 0, net_hours=r["net"] or 0, centre_hours=r["c"] or 0,
                    residual_hours=(r["g"] or 0) - (r["net"] or 0)) for r in rows], batch_size=2000)
    return len(rows)


def notifications_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
