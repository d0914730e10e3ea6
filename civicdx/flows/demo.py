"""The demo city's flows and manuals: a flow for every 業務, synthetic manuals for a sample, one To-Be.

Everything here is synthetic and says so in its text.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.utils import timezone

from civicdx.core.models import User
from civicdx.core.permissions import command_line_actor
from civicdx.flows import bpmn, manual as manual_text
from civicdx.flows.models import Flow, Manual, ManualVersion
from civicdx.flows.services import flow_create, flows_generate
from civicdx.survey.models import Survey, Task

KIND_TEXT = {
    "受付": "窓口または郵送で書類を受け取り、記載漏れと添付書類（本人確認書類など）を確認する。不足があればその場で案内する。",
    "審査・確認": "要件を確認し、判断に迷うものは係長に相談する。確認した内容はチェック欄に記録する。",
    "入力・転記": "システムに入力し、入力後に画面と原本を読み合わせて誤りがないか確かめる。",
    "照合・点検": "台帳と照合し、差異があれば原因を調べて記録する。",
    "計算": "算定表に従って計算し、別の職員が検算する。",
    "起案・決裁": "起案文書を作り、課長決裁を受ける。急ぐときは事前に口頭で説明しておく。",
    "通知・発送": "通知書を印刷し、宛名を確認して発送する。発送件数を記録する。",
    "相談・窓口対応": "来庁者の話を聞き、必要な手続と書類を案内する。他課の手続が関係するときは案内先を伝える。",
    "照会・回答": "照会の内容を確認し、期限までに回答する。回答文は係内で確認する。",
    "会議・打合せ": "資料を準備し、会議の結果を記録して関係者に共有する。",
    "現地調査": "現地で状況を確認し、写真と記録を残す。",
    "集計・報告": "集計表を作り、前年度と比べて大きな差がないか確かめてから報告する。",
    "保管・整理": "文書を年度ごとに綴り、保存年限を表示して保管する。",
}


def _demo_body(task: Task, model: bpmn.FlowModel) -> str:
    tasks = [(n.id, n.name, n.attrs) for n in model.tasks()]
    body = manual_text.draft_from_flow(task.name, task.legal_basis, tasks)
    body = body.replace("（この業務の目的と概要を書いてください。）",
                        f"（デモ用の合成マニュアルです。）{task.section.name}が担当する「{task.name}」の手順をまとめる。")
    for node in model.tasks():
        text = KIND_TEXT.get(node.attrs.get("kind", ""), "手順に従って処理する。")
        body = body.replace(f"{node.name} {{#{node.id}}}\n\n", f"{node.name} {{#{node.id}}}\n\n{text}\n\n", 1)
    return body.replace("（手順、注意点、使う様式を書いてください。）\n\n", "")


@transaction.atomic
def demo_load_flows(survey: Survey, *, sample_every: int = 200) -> dict:
    """Flows for every 業務; manuals for the demo 係 and every ``sample_every``-th 業務 elsewhere."""
    result = flows_generate(survey=survey, actor=None, reindex=False)
    actor = command_line_actor()
    author = User.objects.filter(username="kakari").first() or actor
    approver = User.objects.filter(username="kakaricho").first()
    first_section = Task.objects.filter(survey=survey).order_by("section_id").values_list("section_id", flat=True)[:1]
    tasks = list(Task.objects.filter(survey=survey, section_id__in=list(first_section)).select_related("section"))
    tasks += list(Task.objects.filter(survey=survey).exclude(section_id__in=list(first_section))
                  .select_related("section").order_by("id")[::sample_every])
    flows = {(f.section_path, f.task_code): f for f in Flow.objects.filter(
        municipality_id=survey.municipality_id, kind=Flow.Kind.AS_IS, task_code__in=[t.code for t in tasks])}
    today = timezone.localdate()
    made = 0
    for i, task in enumerate(tasks):
        key = Manual.key_of(task)
        if Manual.objects.filter(**key).exists():
            continue
        flow = flows.get((task.section.path, task.code))
        if flow is None:
            continue
        model = bpmn.parse(flow.versions.get(no=flow.version_no).xml)
        manual = Manual.objects.create(owner=author if author.pk else None, version_no=1, **key)
        version = ManualVersion.objects.create(manual=manual, no=1, body=_demo_body(task, model),
                                               comment="デモ用の合成マニュアル", author=author if author.pk else None)
        # A mix of states: approved and current, approved but stale, waiting for approval, draft.
        state = i % 4
        if state in (0, 1) and approver is not None:
            manual.status = Manual.Status.APPROVED
            manual.approved_no = 1
            manual.last_reviewed_at = today - dt.timedelta(days=30 if state == 0 else 420)
            version.approved_by = approver
            version.approved_at = timezone.now()
            version.save(update_fields=["approved_by", "approved_at"])
        elif state == 2:
            manual.status = Manual.Status.REVIEW
        manual.save()
        made += 1
    # One To-Be for the demo 係's first 業務: the paper steps become electronic and take half the time.
    if tasks:
        first = tasks[0]
        as_is = flows.get((first.section.path, first.code))
        if as_is is not None and not Flow.objects.filter(kind=Flow.Kind.TO_BE, **Flow.key_of(first)).exists():
            xml = as_is.versions.get(no=as_is.version_no).xml
            def halve(m):
                return f'minutes="{float(m.group(1)) / 2:g}"'

            flow_create(task=first, actor=actor, kind=Flow.Kind.TO_BE, title="改善案: 電子申請・RPA",
                        xml=re.sub(r'minutes="([\d.]+)"', halve, xml).replace('medium="紙"', 'medium="電子"'),
                        comment="デモ用の改善案（作業時間を半分と仮定）")
    from civicdx.flows.search import index_rebuild

    index_rebuild(survey)
    return {**result, "manuals": made}
