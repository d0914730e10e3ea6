"""civicdx ocr define / read: the FIELDS.json and output JSON shapes the issue specifies, and errors."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from civicdx.ocr.models import FormDefinition
from tests.ocr.conftest import DATA, form_files, truth


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("ocr", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_define_then_read_json(lab, tmp_path):
    for name in ("shinsei", "todoke"):
        template, fields = form_files(name)
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({"fields": [{k: f[k] for k in ("name", "bbox", "type") } | (
            {"required": f["required"]} if "required" in f else {}) for f in fields["fields"]]}, ensure_ascii=False),
            encoding="utf-8")
        out, _ = run("define", name, "--template", str(template), "--fields", str(path))
        assert f"帳票「{name}」第1版" in out
    out, _ = run("define", "shinsei", "--template", str(form_files("shinsei")[0]), "--fields", str(tmp_path / "shinsei.json"))
    assert "第1版" in out  # unused version: changed in place
    out, _ = run("read", "--form", "shinsei", "--form", "todoke", str(DATA / "shinsei_clean.jpg"), str(DATA / "mixed.pdf"),
                 "--engine", "both", "--json")
    data = json.loads(out)
    assert [(p["page"], p["form"], p["aligned"]) for p in data["pages"]] == [(1, "shinsei", True), (1, "todoke", True),
                                                                          (2, None, False)]
    first = data["pages"][0]
    assert first["file"].endswith("shinsei_clean.jpg")
    field = first["fields"]["申請日"]
    assert set(field) >= {"value", "confidence", "needs_review", "reasons"}
    expected = truth()[("shinsei_clean.jpg", 1)]["values"]
    assert field["value"] == expected["申請日"]
    assert first["fields"]["押印"]["value"] is expected["押印"]  # marks come out as true/false
    assert data["pages"][2]["reason"]


def test_errors_are_japanese_and_name_the_problem(lab, tmp_path):
    template, _ = form_files("shinsei")
    bad = tmp_path / "bad.json"
    bad.write_text('{"fields": [{"name": "氏名", "bbox": [1, 2]}]}', encoding="utf-8")
    with pytest.raises(SystemExit):
        run("define", "x", "--template", str(template), "--fields", str(bad))
    sjis = tmp_path / "sjis.json"
    sjis.write_bytes('{"fields": [{"name": "氏名"}]}'.encode("cp932"))
    with pytest.raises(Exception, match="UTF-8"):
        run("define", "x", "--template", str(template), "--fields", str(sjis))
    with pytest.raises(Exception, match="帳票「なし」"):
        run("read", "--form", "なし", str(DATA / "shinsei_clean.jpg"))
    assert not FormDefinition.objects.exists()
