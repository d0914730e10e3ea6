"""civicdx flows generate|export|import|reindex on the hand-written survey of conftest.py."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from civicdx.flows import bpmn
from civicdx.flows.models import Flow, FlowVersion, SearchDoc
from tests.flows.conftest import PATH_A

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("flows", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as info:
        call_command("flows", *args, stdout=out, stderr=err)
    return info.value.code, err.getvalue()


def a1_flow() -> Flow:
    return Flow.objects.get(section_path=PATH_A, task_code="A-1", kind=Flow.Kind.AS_IS)


def test_generate_json(world):
    out, _err = run("generate", "--year", "R3", "--json")
    data = json.loads(out)
    assert data["created"] == 9 and data["already"] == 0 and isinstance(data["seconds"], float)
    assert Flow.objects.count() == 9 and SearchDoc.objects.count() == 9
    out, _err = run("generate", "--year", "R3", "--json")
    assert {k: v for k, v in json.loads(out).items() if k != "seconds"} == {"created": 0, "already": 9}


def test_generate_one_section_in_words(world):
    out, _err = run("generate", "--year", "2021", "--section", PATH_A)
    assert "4 件の業務にフローを作成しました" in out
    assert set(Flow.objects.values_list("section_path", flat=True)) == {PATH_A}


def test_generate_unknown_year_fails(world):
    code, err = run_failing("generate", "--year", "R9", "--json")
    assert code == 1 and "調査がありません" in err
    assert Flow.objects.count() == 0


def test_export_then_import_gives_a_new_version_with_the_same_semantics(world, tmp_path):
    run("generate", "--year", "R3")
    target = tmp_path / "a1.bpmn"
    out, _err = run("export", "--task", "A-1", "--year", "R3", "-o", str(target))
    assert str(target) in out and "第1版" in out
    exported = target.read_text(encoding="utf-8")
    assert exported == a1_flow().versions.get(no=1).xml
    out, _err = run("import", "--task", "A-1", str(target), "--comment", "モデラーで確認")
    assert "第2版" in out and "タスク 3 件" in out and "年間 36.0 時間" in out
    flow = a1_flow()
    assert flow.version_no == 2 and flow.hours == pytest.approx(36.0)
    v1, v2 = flow.versions.get(no=1), flow.versions.get(no=2)
    assert v2.comment == "モデラーで確認"
    assert bpmn.parse(v1.xml).semantics() == bpmn.parse(v2.xml).semantics()
    assert bpmn.parse(v1.xml).layout() == bpmn.parse(v2.xml).layout()


def test_import_creates_the_first_flow_when_there_is_none(world, tmp_path):
    run("generate", "--year", "R3")
    target = tmp_path / "b1.bpmn"
    run("export", "--task", "B-1", "-o", str(target))
    Flow.objects.filter(task_code="B-1").delete()
    out, _err = run("import", "--task", "B-1", str(target))
    assert "第1版" in out
    flow = Flow.objects.get(task_code="B-1")
    assert flow.kind == Flow.Kind.AS_IS and flow.hours == pytest.approx(66.0) and flow.task_count == 3


@pytest.mark.parametrize("content,message", [
    (b"this is not xml <", "XML として読めません"),
    (b"<?xml version='1.0'?><html><body/></html>", "BPMN 2.0 の文書ではありません"),
    ("<?xml version='1.0' encoding='Shift_JIS'?><x>業務</x>".encode("cp932"), "UTF-8 ではありません"),
])
def test_import_broken_file_exits_2_with_a_japanese_message(world, tmp_path, content, message):
    run("generate", "--year", "R3")
    target = tmp_path / "broken.bpmn"
    target.write_bytes(content)
    code, err = run_failing("import", "--task", "A-1", str(target))
    assert code == 2
    assert err.startswith("エラー: ") and message in err
    assert a1_flow().version_no == 1 and FlowVersion.objects.filter(flow=a1_flow()).count() == 1


def test_import_flow_failing_the_checks_lists_every_problem(world, tmp_path):
    run("generate", "--year", "R3")
    target = tmp_path / "a1.bpmn"
    run("export", "--task", "A-1", "-o", str(target))
    xml = target.read_text(encoding="utf-8")
    broken = xml.replace('<bpmn:endEvent id="EndEvent_1"', '<bpmn:intermediateThrowEvent id="EndEvent_1"').replace(
        "</bpmn:endEvent>", "</bpmn:intermediateThrowEvent>").replace('minutes="10"', 'minutes="-10"')
    assert broken != xml
    target.write_text(broken, encoding="utf-8")
    code, err = run_failing("import", "--task", "A-1", str(target))
    assert code == 2
    lines = err.strip().splitlines()
    assert "エラー: 終了イベントがありません。" in lines
    assert any("minutes「-10」は0以上の数値にしてください。" in line for line in lines)
    assert a1_flow().version_no == 1


def test_import_non_numeric_coordinates_exits_2(world, tmp_path):
    run("generate", "--year", "R3")
    target = tmp_path / "a1.bpmn"
    run("export", "--task", "A-1", "-o", str(target))
    xml = target.read_text(encoding="utf-8")
    target.write_text(xml.replace('<dc:Bounds x="335"', '<dc:Bounds x="左"', 1), encoding="utf-8")
    code, _err = run_failing("import", "--task", "A-1", str(target))
    assert code == 2


def test_ambiguous_task_code_exits_1(world, tmp_path):
    run("generate", "--year", "R3")
    code, err = run_failing("export", "--task", "K-1", "-o", str(tmp_path / "k.bpmn"))
    assert code == 1
    assert "業務ID「K-1」が複数の係にあります" in err and "--section" in err and PATH_A in err
    assert not (tmp_path / "k.bpmn").exists()
    # naming the 係 resolves it
    out, _err = run("export", "--task", "K-1", "--section", PATH_A, "-o", str(tmp_path / "k.bpmn"))
    assert (tmp_path / "k.bpmn").exists()
    model = bpmn.parse((tmp_path / "k.bpmn").read_bytes())
    # K-1 in 係A was answered without 作業手順: one task carries the 業務's annual hours.
    assert [(n.name, n.hours()) for n in model.tasks()] == [("庁内照会への回答", 20.0)]
    assert model.lanes == [("Lane_section", "人事係")]


def test_unknown_task_and_missing_file_exit_1(world, tmp_path):
    run("generate", "--year", "R3")
    code, err = run_failing("export", "--task", "Z-9", "-o", str(tmp_path / "z.bpmn"))
    assert code == 1 and "業務ID「Z-9」が" in err
    code, err = run_failing("import", "--task", "A-1", str(tmp_path / "nothing.bpmn"))
    assert code == 1 and "がありません" in err
    assert a1_flow().version_no == 1


def test_export_without_flow_exits_1(world, tmp_path):
    code, err = run_failing("export", "--task", "A-1", "-o", str(tmp_path / "a.bpmn"))
    assert code == 1 and "フローがありません" in err


def test_reindex(world):
    run("generate", "--year", "R3")
    out, _err = run("reindex", "--year", "R3")
    assert "9 件の業務を索引しました" in out
    assert SearchDoc.objects.count() == 9
