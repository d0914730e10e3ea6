"""デジラボ: the central unit's services, their baselines, requests from departments, the 削減時間 ledger and the
DX plan's targets.

One definition of hours saved (see ``civicdx.digilab.ledger``): gross = units × baseline minutes per unit,
net = gross − residual human minutes, and net − centre effort; every figure measured or projected.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from civicdx.core.models import Municipality, OrgUnit


class Service(models.Model):
    class Kind(models.TextChoices):
        MINUTES = "minutes", "AI議事録"
        OCR = "ocr", "AI-OCR"
        RPA = "rpa", "RPA集約処理"
        LOWCODE = "lowcode", "ローコード支援・ヘルプデスク"
        BPO = "bpo", "BPO"
        OTHER = "other", "その他"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    name = models.CharField("サービス名", max_length=100)
    kind = models.CharField("種類", max_length=10, choices=Kind.choices, default=Kind.OTHER)
    unit = models.CharField("単位", max_length=30, help_text="例: 音声分、帳票、登録件数、アプリ")
    description = models.TextField("説明", blank=True)
    default_baseline_minutes = models.FloatField("標準の導入前時間（分/単位）", null=True, blank=True)
    sla_days = models.IntegerField("標準の処理日数", default=10)
    active = models.BooleanField("受付中", default=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="service_unique_name")]

    def __str__(self) -> str:
        return self.name


class Baseline(models.Model):
    """Minutes per unit before the service, for one department (課) and optionally one 業務."""

    class Source(models.TextChoices):
        SAMPLE = "sample", "計測（時間計測のサンプル）"
        SURVEY = "survey", "業務量調査の作業手順"
        REPORT = "report", "報告値"

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="baselines")
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name="部署")
    section_path = models.CharField("業務の係", max_length=400, blank=True)
    task_code = models.CharField("業務ID", max_length=40, blank=True)
    task_name = models.CharField("業務名", max_length=200, blank=True)
    minutes_per_unit = models.FloatField("導入前の時間（分/単位）")
    source = models.CharField("根拠", max_length=8, choices=Source.choices, default=Source.SAMPLE)
    sample_size = models.IntegerField("サンプル数", null=True, blank=True)
    measured_by = models.CharField("計測者", max_length=100, blank=True)
    measured_on = models.DateField("計測日", null=True, blank=True)
    note = models.CharField("備考", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Request(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "受付待ち"
        TRIAGED = "triaged", "受付済み"
        IN_PROGRESS = "progress", "対応中"
        WAITING = "waiting", "依頼元の回答待ち"
        DONE = "done", "完了"
        REJECTED = "rejected", "お断り"

    OPEN = (Status.NEW, Status.TRIAGED, Status.IN_PROGRESS, Status.WAITING)

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="requests", verbose_name="サービス")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="依頼部署")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="依頼者")
    title = models.CharField("件名", max_length=200)
    description = models.TextField("内容", blank=True)
    section_path = models.CharField("業務の係", max_length=400, blank=True)
    task_code = models.CharField("業務ID", max_length=40, blank=True)
    task_name = models.CharField("業務名", max_length=200, blank=True)
    volume = models.FloatField("見込み件数（単位/年）", null=True, blank=True)
    deadline = models.DateField("希望期限", null=True, blank=True)
    status = models.CharField("状態", max_length=8, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name="担当")
    sla_due = models.DateField("対応期限（SLA）", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["municipality", "status"])]

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class RequestComment(models.Model):
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField("コメント")
    event = models.CharField(max_length=40, blank=True)  # "status:done", "assign:dx" …: shown as a history line
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


def request_upload_path(instance: "RequestAttachment", filename: str) -> str:
    return f"digilab/requests/{instance.request_id}/{filename}"


class RequestAttachment(models.Model):
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=request_upload_path, max_length=300)
    original_name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]


class LedgerEntry(models.Model):
    """One job or run of a service (or a reported total). Hours are stored as computed at entry time, with the
    baseline they used, so a later baseline change never rewrites history."""

    class Source(models.TextChoices):
        MANUAL = "manual", "手入力"
        API = "api", "API"
        SERVICE = "service", "サービスから自動"
        REPORT = "report", "報告書の値"
        DEMO = "demo", "合成（デモ）"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="entries")
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name="部署")
    section_path = models.CharField(max_length=400, blank=True)
    task_code = models.CharField(max_length=40, blank=True)
    request = models.ForeignKey(Request, null=True, blank=True, on_delete=models.SET_NULL, related_name="entries")
    baseline = models.ForeignKey(Baseline, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    occurred_on = models.DateField("実施日")
    fiscal_year = models.IntegerField()
    month = models.IntegerField()
    units = models.FloatField("処理した単位数", default=0)
    units_failed = models.FloatField("失敗・対象外の単位数", default=0)
    baseline_minutes = models.FloatField("導入前の時間（分/単位）", default=0)
    residual_minutes = models.FloatField("部署の残った作業（確認・修正、分）", default=0)
    centre_minutes = models.FloatField("センターの作業（設定・開発・保守、分）", default=0)
    gross_hours = models.FloatField(default=0)
    net_hours = models.FloatField(default=0)
    centre_hours = models.FloatField(default=0)
    measured = models.BooleanField("実測（いいえ = 見込み・年換算）", default=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MANUAL)
    note = models.CharField("備考", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["municipality", "fiscal_year", "service"]),
                   # the ledger page: one fiscal year, newest first, without sorting the year's entries
                   models.Index(fields=["municipality", "fiscal_year", "occurred_on"]),
                   models.Index(fields=["municipality", "section_path", "task_code"])]


class LedgerMonth(models.Model):
    """Sums of the ledger per service, department (課), month and measured/projected — what the dashboard reads
    (five years of a 350-課 city with every service everywhere stay under 100,000 rows, however many entries).
    Kept in step by every ledger write."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    department = models.IntegerField(default=0)  # OrgUnit id of the 課 (0 = none): a plain number, no join
    fiscal_year = models.IntegerField()
    month = models.IntegerField()
    measured = models.BooleanField()
    entries = models.IntegerField(default=0)
    units = models.FloatField(default=0)
    gross_hours = models.FloatField(default=0)
    net_hours = models.FloatField(default=0)
    centre_hours = models.FloatField(default=0)
    residual_hours = models.FloatField(default=0)

    class Meta:
        # Year first: every dashboard query filters on the fiscal year (or groups by it).
        constraints = [models.UniqueConstraint(
            fields=["municipality", "fiscal_year", "service", "department", "month", "measured"],
            name="ledgermonth_unique_year")]


class Initiative(models.Model):
    """An initiative of the DX plan with a target per fiscal year; its actual is the net hours of its services."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    name = models.CharField("取組", max_length=200)
    description = models.TextField("説明", blank=True)
    services = models.ManyToManyField(Service, blank=True, related_name="initiatives", verbose_name="対象サービス")
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class Target(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="targets")
    fiscal_year = models.IntegerField("年度")
    target_hours = models.FloatField("目標（時間/年）")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["initiative", "fiscal_year"], name="target_unique_year")]
        ordering = ["fiscal_year"]
