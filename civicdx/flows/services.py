"""Writes for 業務フロー, 業務マニュアル and 引継書. Every write checks permissions, is audited and keeps the search
index in step."""

from __future__ import annotations

import mimetypes
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from civicdx.core.bulk import bulk_insert, reserve_ids
from civicdx.core.errors import ApplicationError, PermissionDeniedError
from civicdx.core.models import OrgUnit, User
from civicdx.core.permissions import can_edit_unit, can_view_unit, check_dx, is_dx_office
from civicdx.core.services import audit_record
from civicdx.flows import bpmn, manual as manual_text, search
from civicdx.flows.models import Flow, FlowVersion, Handover, Manual, ManualAttachment, ManualVersion
from civicdx.flows.permissions import check_approve, check_edit
from civicdx.survey.models import Step, Survey, Task

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
ATTACHMENT_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".pdf", ".xlsx", ".docx", ".csv", ".txt"}


# ---------------------------------------------------------------------------------------------------------------
# Flows
# ---------------------------------------------------------------------------------------------------------------

def _candidate_flags(task_ids) -> dict[tuple[int, int | None], set[str]]:
    from civicdx.bpr.models import Candidate

    flags: dict[tuple[int, int | None], set[str]] = defaultdict(set)
    for task_id, step_no, kind, tool in Candidate.objects.filter(task_id__in=task_ids).values_list(
            "task_id", "step_no", "type", "tool").iterator(chunk_size=20000):
        flags[(task_id, step_no)].add(f"{kind}:{tool}" if tool else kind)
    return flags


def _step_inputs(steps, flags, task_id) -> list[bpmn.StepInput]:
    return [bpmn.StepInput(no=s[0], name=s[1], kind=s[2], minutes=s[3], cases=s[4], hours=s[5], medium=s[6],
                           seal=s[7], system=s[8], worker=s[9],
                           flags=tuple(sorted(flags.get((task_id, s[0]), set()) | flags.get((task_id, None), set()))))
            for s in steps]


STEP_FIELDS = ("task_id", "no", "name", "kind", "minutes_per_case", "cases_per_year", "hours", "medium", "has_seal",
               "system", "worker_type")


def _whole_task(name: str, hours: float) -> list[bpmn.StepInput]:
    """A 業務 answered without 作業手順 (only its annual hours) becomes one task carrying those hours."""
    return [bpmn.StepInput(no=1, name=name, hours=hours or 0.0)]


def flow_xml_for_task(task: Task) -> str:
    """A generated As-Is flow for one 業務 (not stored)."""
    steps = [s[1:] for s in Step.objects.filter(task=task).order_by("no").values_list(*STEP_FIELDS)]
    inputs = _step_inputs(steps, _candidate_flags([task.pk]), task.pk) or _whole_task(task.name, task.hours)
    return bpmn.generate(task.name, task.section.name, inputs)


def flows_generate(*, survey: Survey, actor: User | None, section_paths: list[str] | None = None,
                   progress=None, reindex: bool = True) -> dict:
    """Generate and store an As-Is flow for every 業務 of the survey that has none (the first flow of a 業務).

    One transaction: the primary keys are reserved up front (see civicdx.core.bulk)."""
    if actor is not None and section_paths is None:
        check_dx(actor)
    progress = progress or (lambda *a: None)
    tasks = Task.objects.filter(survey=survey)
    if section_paths:
        tasks = tasks.filter(section__path__in=section_paths)
        if actor is not None:
            for section in OrgUnit.objects.filter(pk__in=tasks.values("section_id")):
                if not can_edit_unit(actor, section):
                    raise PermissionDeniedError(f"{section.name} のフローを作成する権限がありません。")
    existing = set(Flow.objects.filter(municipality_id=survey.municipality_id, kind=Flow.Kind.AS_IS)
                   .values_list("section_path", "task_code"))
    todo = [t for t in tasks.order_by("id").values_list("id", "name", "code", "section__path", "section__name",
                                                        "hours") if (t[3], t[2]) not in existing]
    with transaction.atomic():
        created = _generate(survey, todo, actor, progress)
    audit_record(actor=actor if actor and actor.pk else None, action="flows.generate", object_type="flows.Flow",
                 object_id=str(survey.pk), municipality=survey.municipality,
                 changes={"created": created, "sections": section_paths or "all"})
    if created and reindex:
        search.index_rebuild(survey)
    return {"created": created, "already": len(existing)}


def _generate(survey: Survey, todo: list[tuple], actor: User | None, progress) -> int:
    total = len(todo)
    created_by = actor.pk if actor is not None and actor.pk else None
    now = timezone.now()
    first_flow = reserve_ids(Flow, total) if total else 0
    first_version = reserve_ids(FlowVersion, total) if total else 0
    flow_columns = ("id", "municipality_id", "section_path", "task_code", "restricted", "kind", "title", "version_no",
                    "hours", "task_count", "task_names", "created_by_id", "updated_at")
    version_columns = ("id", "flow_id", "no", "xml_z", "hours", "comment", "created_by_id", "created_at")
    created = 0
    chunk = 5000
    for start in range(0, total, chunk):
        part = todo[start:start + chunk]
        ids = [t[0] for t in part]
        steps_by_task: dict[int, list] = defaultdict(list)
        for row in Step.objects.filter(task_id__in=ids).order_by("task_id", "no").values_list(*STEP_FIELDS):
            steps_by_task[row[0]].append(row[1:])
        flags = _candidate_flags(ids)
        flow_rows, version_rows = [], []
        for i, (task_id, name, code, path, section_name, task_hours) in enumerate(part, start=start):
            inputs = _step_inputs(steps_by_task.get(task_id, []), flags, task_id) or _whole_task(name, task_hours)
            xml = bpmn.generate(name, section_name, inputs)
            hours = sum(s.annual_hours() for s in inputs)
            flow_rows.append((first_flow + i, survey.municipality_id, path, code, False, Flow.Kind.AS_IS, "現行フロー",
                              1, hours, len(inputs), "\n".join(s.name for s in inputs), created_by, now))
            version_rows.append((first_version + i, first_flow + i, 1, FlowVersion.pack(xml), hours,
                                 "作業手順から自動作成", created_by, now))
        bulk_insert(Flow, flow_columns, flow_rows)
        bulk_insert(FlowVersion, version_columns, version_rows)
        created += len(part)
        progress(f"フロー作成 {created:,} / {total:,}", created, total)
    return created


def _as_text(xml: str | bytes) -> str:
    if isinstance(xml, str):
        return xml
    try:
        return xml.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise bpmn.BpmnError(["ファイルが UTF-8 ではありません。BPMN ファイルは UTF-8 で保存してください。"]) from None


def _save_version(flow: Flow, xml: str, model: bpmn.FlowModel, actor: User | None, comment: str) -> FlowVersion:
    flow.version_no += 1
    flow.hours = model.hours()
    tasks = model.tasks()
    flow.task_count = len(tasks)
    flow.task_names = "\n".join(n.name for n in tasks)
    flow.save()
    return FlowVersion.objects.create(flow=flow, no=flow.version_no, xml_z=FlowVersion.pack(xml), hours=flow.hours,
                                      comment=comment[:300], created_by=actor if actor and actor.pk else None)


@transaction.atomic
def flow_save(*, flow: Flow, xml: str | bytes, actor: User, comment: str = "", task: Task | None = None) -> FlowVersion:
    """Store a new version after the server-side checks (raises bpmn.BpmnError with every problem)."""
    check_edit(actor, flow)
    xml = _as_text(xml)
    model = bpmn.parse_checked(xml)
    old_hours = flow.hours
    version = _save_version(flow, xml, model, actor, comment)
    audit_record(actor=actor, action="flow.save", obj=flow, municipality=flow.municipality,
                 changes={"version": [version.no - 1, version.no], "hours": [round(old_hours, 1), round(flow.hours, 1)]})
    search.index_update(flow.municipality_id, flow.section_path, flow.task_code)
    return version


@transaction.atomic
def flow_create(*, task: Task, actor: User, kind: str = Flow.Kind.AS_IS, title: str = "",
                xml: str | bytes | None = None,
                from_flow: Flow | None = None, comment: str = "") -> Flow:
    """A new flow for a 業務: imported XML, a copy of another flow (a To-Be from the As-Is), or generated."""
    key = Flow.key_of(task)
    probe = Flow(**key)
    check_edit(actor, probe)
    if kind == Flow.Kind.AS_IS and Flow.objects.filter(kind=Flow.Kind.AS_IS, **key).exists():
        raise ApplicationError("flow_exists", "この業務には現行フローがすでにあります。改善案として追加してください。")
    if xml is None:
        xml = version_xml(from_flow) if from_flow is not None else flow_xml_for_task(task)
    xml = _as_text(xml)
    model = bpmn.parse_checked(xml)
    n_tobe = Flow.objects.filter(kind=Flow.Kind.TO_BE, **key).count()
    flow = Flow(kind=kind, title=title or ("現行フロー" if kind == Flow.Kind.AS_IS else f"改善案{n_tobe + 1}"),
                version_no=0, created_by=actor if actor.pk else None, **key)
    flow.save()
    _save_version(flow, xml, model, actor, comment or ("改善案を作成" if kind == Flow.Kind.TO_BE else "作成"))
    audit_record(actor=actor, action="flow.create", obj=flow, municipality=task.survey.municipality,
                 changes={"kind": kind, "title": flow.title, "task": task.code})
    search.index_update(flow.municipality_id, flow.section_path, flow.task_code)
    return flow


def flow_update_settings(*, flow: Flow, actor: User, title: str | None = None, restricted: bool | None = None) -> Flow:
    check_edit(actor, flow)
    changes = {}
    if title is not None and title.strip() and title.strip() != flow.title:
        changes["title"] = [flow.title, title.strip()[:200]]
        flow.title = title.strip()[:200]
    if restricted is not None and restricted != flow.restricted:
        changes["restricted"] = [flow.restricted, restricted]
        flow.restricted = restricted
    if changes:
        flow.save()
        audit_record(actor=actor, action="flow.update", obj=flow, municipality=flow.municipality, changes=changes)
        search.index_update(flow.municipality_id, flow.section_path, flow.task_code)
    return flow


def flow_delete(*, flow: Flow, actor: User) -> None:
    check_edit(actor, flow)
    if flow.kind == Flow.Kind.AS_IS:
        raise ApplicationError("flow_asis", "現行フローは削除できません（新しい版で上書きしてください）。")
    audit_record(actor=actor, action="flow.delete", obj=flow, municipality=flow.municipality,
                 changes={"title": flow.title})
    flow.delete()


def version_xml(flow: Flow, no: int | None = None) -> str:
    return flow.versions.get(no=no or flow.version_no).xml


# ---------------------------------------------------------------------------------------------------------------
# Manuals
# ---------------------------------------------------------------------------------------------------------------

@transaction.atomic
def manual_save(*, task: Task, body: str, actor: User, comment: str = "", expected_no: int | None = None) -> Manual:
    """Save a new version of the 業務's manual. ``expected_no`` guards against overwriting a colleague's edit."""
    key = Manual.key_of(task)
    manual = Manual.objects.select_for_update().filter(**key).first() or Manual(owner=actor if actor.pk else None,
                                                                                 **key)
    check_edit(actor, manual)
    if expected_no is not None and manual.pk and expected_no != manual.version_no:
        raise ApplicationError("manual_conflict", f"編集中に他の人が版 {manual.version_no} を保存しました。"
                               "最新の内容を確認してから保存し直してください。")
    problems = manual_text.check(body)
    if problems:
        raise ApplicationError("manual_invalid", "\n".join(problems))
    if manual.pk and manual.version_no and manual.versions.get(no=manual.version_no).body == body:
        return manual
    manual.version_no += 1
    manual.status = Manual.Status.DRAFT
    manual.save()
    ManualVersion.objects.create(manual=manual, no=manual.version_no, body=body, comment=comment[:300],
                                 author=actor if actor.pk else None)
    audit_record(actor=actor, action="manual.save", obj=manual, municipality=task.survey.municipality,
                 changes={"version": manual.version_no, "comment": comment[:300]})
    search.index_update(manual.municipality_id, manual.section_path, manual.task_code)
    return manual


def manual_submit(*, manual: Manual, actor: User) -> Manual:
    check_edit(actor, manual)
    if manual.status != Manual.Status.DRAFT:
        raise ApplicationError("manual_state", "作成中のマニュアルだけを承認依頼できます。")
    manual.status = Manual.Status.REVIEW
    manual.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="manual.submit", obj=manual, municipality=manual.municipality,
                 changes={"version": manual.version_no})
    return manual


@transaction.atomic
def manual_approve(*, manual: Manual, actor: User, send_back: bool = False) -> Manual:
    """係長 approval of the current version (or sending it back). The author cannot approve their own version."""
    check_approve(actor, manual)
    version = manual.versions.get(no=manual.version_no)
    if version.author_id == actor.pk and not send_back:
        raise PermissionDeniedError("自分が書いた版は承認できません（別の承認者が確認してください）。")
    if manual.status != Manual.Status.REVIEW:
        raise ApplicationError("manual_state", "承認待ちのマニュアルではありません。")
    if send_back:
        manual.status = Manual.Status.DRAFT
    else:
        manual.status = Manual.Status.APPROVED
        manual.approved_no = manual.version_no
        manual.last_reviewed_at = timezone.localdate()
        version.approved_by = actor
        version.approved_at = timezone.now()
        version.save(update_fields=["approved_by", "approved_at"])
    manual.save()
    audit_record(actor=actor, action="manual.send_back" if send_back else "manual.approve", obj=manual,
                 municipality=manual.municipality, changes={"version": manual.version_no})
    return manual


def manual_mark_reviewed(*, manual: Manual, actor: User) -> Manual:
    """Confirm an approved manual is still right (resets the one-year review clock)."""
    check_approve(actor, manual)
    if manual.status != Manual.Status.APPROVED:
        raise ApplicationError("manual_state", "承認済みのマニュアルだけを「内容確認済み」にできます。")
    old = manual.last_reviewed_at
    manual.last_reviewed_at = timezone.localdate()
    manual.save(update_fields=["last_reviewed_at", "updated_at"])
    audit_record(actor=actor, action="manual.reviewed", obj=manual, municipality=manual.municipality,
                 changes={"last_reviewed_at": [str(old), str(manual.last_reviewed_at)]})
    return manual


def manual_update_settings(*, manual: Manual, actor: User, owner: User | None = None,
                           restricted: bool | None = None) -> Manual:
    check_edit(actor, manual)
    changes = {}
    if owner is not None and owner.pk != manual.owner_id:
        if owner.municipality_id != manual.municipality_id:
            raise ApplicationError("manual_owner", "管理者はこの団体の職員から選んでください。")
        changes["owner"] = [manual.owner_id, owner.pk]
        manual.owner = owner
    if restricted is not None and restricted != manual.restricted:
        changes["restricted"] = [manual.restricted, restricted]
        manual.restricted = restricted
    if changes:
        manual.save()
        audit_record(actor=actor, action="manual.update", obj=manual, municipality=manual.municipality,
                     changes=changes)
        search.index_update(manual.municipality_id, manual.section_path, manual.task_code)
    return manual


def manual_attach(*, task: Task, upload, actor: User) -> ManualAttachment:
    """Attach a file (image, PDF, Office file) to the 業務's manual; images are shown inline with
    ``![説明](attachment:ID)``."""
    key = Manual.key_of(task)
    manual = Manual.objects.filter(**key).first()
    if manual is None:
        raise ApplicationError("manual_missing", "先にマニュアル本文を保存してください。")
    check_edit(actor, manual)
    name = upload.name or "file"
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if ext not in ATTACHMENT_TYPES:
        raise ApplicationError("attachment_type", f"「{name}」: この種類のファイルは添付できません"
                               f"（使えるもの: {', '.join(sorted(ATTACHMENT_TYPES))}）。")
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ApplicationError("attachment_size", f"「{name}」: ファイルが大きすぎます"
                               f"（{upload.size / 1024 / 1024:.1f} MB、上限 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB）。")
    head = upload.read(16)
    upload.seek(0)
    if ext in (".png", ".jpg", ".jpeg", ".gif", ".webp") and not manual_text.looks_like_image(head, ext):
        raise ApplicationError("attachment_content", f"「{name}」: 拡張子は画像ですが、中身が画像ではありません。")
    attachment = ManualAttachment(manual=manual, original_name=name[:255], size=upload.size,
                                  content_type=mimetypes.types_map.get(ext, "application/octet-stream"),
                                  uploaded_by=actor if actor.pk else None)
    attachment.file.save(f"{timezone.now():%Y%m%d%H%M%S}{ext}", upload, save=False)
    attachment.save()
    audit_record(actor=actor, action="manual.attach", obj=manual, municipality=manual.municipality,
                 changes={"file": name, "size": upload.size})
    return attachment


# ---------------------------------------------------------------------------------------------------------------
# 引継書
# ---------------------------------------------------------------------------------------------------------------

@transaction.atomic
def handover_create(*, actor: User, survey: Survey, tasks: list[Task], successor: User | None = None,
                    title: str = "") -> Handover:
    from civicdx.flows.handover import handover_markdown
    from civicdx.flows.selectors import handover_facts

    if not tasks:
        raise ApplicationError("handover_empty", "引き継ぐ業務を1つ以上選んでください。")
    for task in tasks:
        if not can_view_unit(actor, task.section):
            raise PermissionDeniedError(f"「{task.name}」は自分の所属の業務ではないため、引継書に入れられません。")
        if task.survey_id != survey.pk:
            raise ApplicationError("handover_survey", "別の調査の業務が含まれています。")
    unit = actor.org_unit or tasks[0].section
    if successor is not None and successor.municipality_id != survey.municipality_id:
        raise ApplicationError("handover_successor", "後任者はこの団体の職員から選んでください。")
    title = title.strip() or f"{timezone.localdate():%Y年%m月%d日} 引継書（{actor.label}）"
    body = handover_markdown(title=title, author=actor.label, successor=successor.label if successor else "",
                             unit=unit.name, facts=handover_facts(actor, tasks), today=timezone.localdate())
    handover = Handover.objects.create(survey=survey, org_unit=unit, author=actor, successor=successor,
                                       title=title[:200], task_ids=[t.pk for t in tasks], body=body)
    audit_record(actor=actor, action="handover.create", obj=handover, municipality=survey.municipality,
                 changes={"tasks": len(tasks), "successor": successor.username if successor else ""})
    return handover


def _check_handover_party(actor: User, handover: Handover) -> None:
    if actor.pk not in (handover.author_id, handover.successor_id) and not is_dx_office(actor) \
            and not can_edit_unit(actor, handover.org_unit):
        raise PermissionDeniedError("この引継書を扱う権限がありません。")


def handover_update(*, handover: Handover, actor: User, body: str, successor: User | None = None) -> Handover:
    _check_handover_party(actor, handover)
    if handover.status == Handover.Status.SIGNED:
        raise ApplicationError("handover_signed", "後任者が確認済みの引継書は変更できません。")
    if actor.pk == handover.successor_id and actor.pk != handover.author_id:
        raise PermissionDeniedError("引継書の本文は前任者が編集します（後任者は確認のみ）。")
    changes = {"body_chars": [len(handover.body), len(body)]}
    handover.body = body
    if successor is not None and successor.pk != handover.successor_id:
        if successor.municipality_id != handover.survey.municipality_id:
            raise ApplicationError("handover_successor", "後任者はこの団体の職員から選んでください。")
        changes["successor"] = [handover.successor_id, successor.pk]
        handover.successor = successor
    handover.save()
    audit_record(actor=actor, action="handover.update", obj=handover, municipality=handover.survey.municipality,
                 changes=changes)
    return handover


def handover_sign(*, handover: Handover, actor: User) -> Handover:
    """The successor confirms having received the handover."""
    if handover.successor_id != actor.pk:
        raise PermissionDeniedError("引継書を確認できるのは、指定された後任者だけです。")
    if handover.status == Handover.Status.SIGNED:
        return handover
    handover.status = Handover.Status.SIGNED
    handover.signed_at = timezone.now()
    handover.save(update_fields=["status", "signed_at", "updated_at"])
    audit_record(actor=actor, action="handover.sign", obj=handover, municipality=handover.survey.municipality,
                 changes={"status": [Handover.Status.DRAFT, Handover.Status.SIGNED]})
    return handover

