"""全庁業務量調査: surveys, 業務 (tasks), 作業手順 (steps), section responses and imports."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from civicdx.core.models import Job, Municipality, OrgUnit


class Survey(models.Model):
    class Status(models.TextChoices):
        PREPARING = "preparing", "準備中"
        OPEN = "open", "回答中"
        CLOSED = "closed", "締切"
        FINAL = "final", "確定"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="surveys")
    fiscal_year = models.IntegerField("年度")
    round = models.CharField("調査区分", max_length=40, default="全体調査")
    hours_per_person_year = models.FloatField("1人役当たり年間時間", default=1950.0)
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.PREPARING)
    is_demo = models.BooleanField("デモデータ（合成）", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Incremented by every write of tasks or steps: analyses cached against a survey check it.
    data_version = models.IntegerField(default=0)

    class Meta:
        verbose_name = "業務量調査"
        ordering = ["-fiscal_year", "round"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "fiscal_year", "round"], name="survey_unique_round"),
        ]

    def __str__(self) -> str:
        from civicdx.core.fiscal import era_label

        return f"{era_label(self.fiscal_year)} {self.round}"


class Task(models.Model):
    """業務: one line of work of a 係, with its attributes; hours are the sum of its steps."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="tasks")
    section = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="tasks")
    code = models.CharField("業務ID", max_length=40)
    name = models.CharField("業務名", max_length=200)
    category_major = models.CharField("大分類", max_length=40, blank=True)
    category_minor = models.CharField("中分類", max_length=80, blank=True)
    legal_basis = models.CharField("根拠法令", max_length=300, blank=True)
    is_core = models.BooleanField("コア", null=True)
    is_routine = models.BooleanField("定型", null=True)
    needs_expertise = models.BooleanField("専門性", null=True)
    reported_hours = models.FloatField("年間時間（業務単位）", null=True, blank=True)
    busy_months = models.CharField("繁忙月", max_length=40, blank=True)  # "3,4,5"
    note = models.CharField("備考", max_length=500, blank=True)
    hours = models.FloatField("年間時間", default=0.0)  # derived: Σ step hours, or reported_hours
    step_count = models.IntegerField(default=0)
    sort_order = models.IntegerField(default=0)

    class Meta:
        verbose_name = "業務"
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["survey", "section", "code"], name="task_unique_code")]
        indexes = [models.Index(fields=["survey", "section"]), models.Index(fields=["survey", "hours"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Step(models.Model):
    """作業手順: minutes per case × cases per year / 60 = hours."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="steps")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")  # denormalised for fast totals
    no = models.IntegerField("手順No")
    name = models.CharField("作業名", max_length=200)
    kind = models.CharField("作業種類", max_length=20)
    minutes_per_case = models.FloatField("1件当たり時間(分)", null=True, blank=True)
    cases_per_year = models.FloatField("年間件数", null=True, blank=True)
    reported_hours = models.FloatField("年間時間（入力値）", null=True, blank=True)
    medium = models.CharField("媒体", max_length=10, blank=True)
    has_seal = models.BooleanField("押印", null=True)
    system = models.CharField("使用システム", max_length=100, blank=True)
    worker_type = models.CharField("担い手", max_length=20, blank=True)
    note = models.CharField("備考", max_length=500, blank=True)
    hours = models.FloatField("年間時間", default=0.0)

    class Meta:
        verbose_name = "作業手順"
        ordering = ["no", "id"]


class SectionResponse(models.Model):
    """A 係's answer to a survey round: entered → submitted → confirmed by the 課."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "未着手"
        DRAFT = "draft", "入力中"
        SUBMITTED = "submitted", "提出済"
        CONFIRMED = "confirmed", "課確認済"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    section = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "section"], name="response_unique_section")]


class SurveyImport(models.Model):
    """One import run, with its original files, what it wrote and every problem it found."""

    class Status(models.TextChoices):
        PENDING = "pending", "待機中"
        IMPORTED = "imported", "取込済"
        REJECTED = "rejected", "エラーのため取込なし"
        PARTIAL = "partial", "一部取込"
        CHECKED = "checked", "チェックのみ"
        FAILED = "failed", "失敗"

    municipality = models.ForeignKey(Municipality, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, null=True, blank=True, on_delete=models.CASCADE, related_name="imports")
    fiscal_year = models.IntegerField()
    round = models.CharField(max_length=40, default="全体調査")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    stats = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]


def import_upload_path(instance: "SurveyImportFile", filename: str) -> str:
    return f"imports/{instance.survey_import_id}/{filename}"


class SurveyImportFile(models.Model):
    survey_import = models.ForeignKey(SurveyImport, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=import_upload_path, max_length=300)
    original_name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)


class SectionTotals(models.Model):
    """Totals of one 係 along one dimension, kept up to date by every write (see survey/totals.py).

    Summaries over a whole city read these ~30,000 rows instead of 300,000 steps. Dimensions: ``all`` (value
    ""), ``category`` (大分類), ``matrix`` ("コア|定型|専門性有"), ``kind`` (作業種類), ``medium``, ``worker``
    and ``month`` (繁忙月, "4".."3"). For step dimensions, ``tasks`` counts distinct 業務 of the 係.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    section = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=12)
    value = models.CharField(max_length=100, blank=True)
    tasks = models.IntegerField(default=0)
    steps = models.IntegerField(default=0)
    hours = models.FloatField(default=0.0)

    class Meta:
        indexes = [models.Index(fields=["survey", "dimension"]), models.Index(fields=["survey", "section"])]


class MappingProfile(models.Model):
    """A column mapping (YAML) the DX office edits in the browser; see importing/profiles.py for the format."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    name = models.CharField("名前", max_length=60)
    yaml_text = models.TextField("定義（YAML）")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="profile_unique_name")]
        ordering = ["name"]
