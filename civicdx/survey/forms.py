"""Input parsing for survey pages (the rules of the format live in importing/parser.py)."""

from __future__ import annotations

from django import forms

from civicdx.survey.standard import COLUMNS, ROUNDS

TASK_FIELD_KEYS = ("task_name", "category_major", "category_minor", "legal_basis", "core", "routine", "expertise",
                   "busy_months")
STEP_FIELD_KEYS = ("step_name", "step_kind", "minutes", "cases", "hours", "medium", "seal", "system", "worker", "note")
HEADER = {c.key: c.header for c in COLUMNS}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class ImportForm(forms.Form):
    files = MultipleFileField(label="ファイル（.xlsx / .csv、複数可）")
    year = forms.CharField(label="年度", initial="R3", help_text="R3、令和3年度、2021 など")
    round = forms.ChoiceField(label="調査区分", choices=[(r, r) for r in ROUNDS])
    municipality = forms.CharField(label="団体コード", required=False, help_text="初回の取込のみ（例: 401005）")
    profile = forms.CharField(label="列の定義", required=False, initial="standard")
    mode = forms.ChoiceField(label="取込方法", choices=[
        ("all", "誤りが1件でもあれば取り込まない（推奨）"), ("partial", "正しい業務だけ取り込む"), ("dry_run", "チェックだけする")])
    create_org = forms.BooleanField(label="組織にない局・課・係を追加する", required=False)


def task_form_data(post) -> tuple[str, dict, list[dict]]:
    """(業務ID, task fields, steps) from the entry form's POST (steps arrive as parallel lists)."""
    code = post.get("task_code", "").strip()
    task_fields = {k: post.get(k, "") for k in TASK_FIELD_KEYS}
    columns = {k: post.getlist(f"step-{k}") for k in STEP_FIELD_KEYS}
    count = max((len(v) for v in columns.values()), default=0)
    steps = []
    for i in range(count):
        step = {k: (columns[k][i] if i < len(columns[k]) else "") for k in STEP_FIELD_KEYS}
        if any(str(v).strip() for v in step.values()):
            steps.append(step)
    # A task without steps reports its annual hours directly.
    if not steps and post.get("task_hours", "").strip():
        steps = [{"hours": post.get("task_hours")}]
    return code, task_fields, steps
