"""AI-OCR: form definitions (帳票定義, versioned), batches of scans a 課 brings, the pages read from them with
their field values, and the city's settings (scan retention)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from civicdx.core.models import Job, Municipality, OrgUnit


class OcrSettings(models.Model):
    municipality = models.OneToOneField(Municipality, on_delete=models.CASCADE, related_name="+")
    retention_days = models.PositiveIntegerField("スキャン画像の保存日数", default=30)


class FormDefinition(models.Model):
    class Encoding(models.TextChoices):
        UTF8 = "utf-8-sig", "UTF-8（BOM付き）"
        CP932 = "cp932", "Shift_JIS（CP932）"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    name = models.CharField("帳票名", max_length=100)
    description = models.TextField("説明", blank=True)
    division = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 help_text="この帳票を使う課（空欄なら全庁）")
    csv_encoding = models.CharField("CSVの文字コード", max_length=10, choices=Encoding.choices, default=Encoding.UTF8)
    dpi = models.PositiveSmallIntegerField("PDFを画像にする解像度（dpi）", default=150)
    active = models.BooleanField("使用中", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="ocr_form_name_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def current(self) -> "FormVersion | None":
        return self.versions.order_by("-number").first()


def template_path(instance: "FormVersion", filename: str) -> str:
    return f"ocr/{instance.definition.municipality_id}/forms/{instance.definition_id}/{filename}"


class FormVersion(models.Model):
    """One saved layout of a form. Saving the editor makes a new version; batches keep the version they used."""

    definition = models.ForeignKey(FormDefinition, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版")
    template = models.FileField(upload_to=template_path, max_length=300)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    fields = models.JSONField(default=list)
    note = models.CharField("変更内容", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["definition", "-number"]
        constraints = [models.UniqueConstraint(fields=["definition", "number"], name="ocr_version_unique")]

    def __str__(self) -> str:
        return f"{self.definition.name} 第{self.number}版"


class Batch(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "待機中"
        RUNNING = "running", "読取中"
        REVIEW = "review", "確認中"
        FINISHED = "finished", "完了"
        FAILED = "failed", "失敗"
        CANCELLED = "cancelled", "中止"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", help_text="依頼した所属")
    division = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", help_text="依頼した課")
    title = models.CharField("件名", max_length=200)
    versions = models.ManyToManyField(FormVersion, related_name="batches", help_text="仕分けの候補にした帳票の版")
    engine = models.CharField("読取エンジン", max_length=10, blank=True, help_text="空欄なら項目ごとの設定")
    double_check = models.BooleanField("ダブルチェック", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cancel_requested = models.BooleanField(default=False)
    error = models.CharField(max_length=500, blank=True)
    read_seconds = models.FloatField(default=0)
    scans_deleted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    ledger_entry = models.ForeignKey("digilab.LedgerEntry", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["municipality", "division", "-created_at"])]

    def __str__(self) -> str:
        return self.title


def scan_path(instance, filename: str) -> str:
    batch = instance.batch
    return f"ocr/{batch.municipality_id}/batches/{batch.pk}/{filename}"


class BatchFile(models.Model):
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=scan_path, max_length=300, blank=True)
    name = models.CharField(max_length=255)
    size = models.BigIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]


class Page(models.Model):
    class Status(models.TextChoices):
        REVIEW = "review", "確認待ち"
        SECOND = "second", "2人目の確認待ち"
        DONE = "done", "確定"
        SET_ASIDE = "aside", "読取対象外"

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="pages")
    source = models.ForeignKey(BatchFile, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField("ページ")
    seq = models.PositiveIntegerField(default=0, help_text="バッチ内の通し番号")
    version = models.ForeignKey(FormVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    aligned = models.BooleanField(default=False)
    reason = models.CharField(max_length=200, blank=True)
    inliers = models.PositiveIntegerField(default=0)
    error_px = models.FloatField(default=0)
    image = models.FileField(upload_to=scan_path, max_length=300, blank=True)
    values = models.JSONField(default=dict, help_text="項目名 → 値・信頼度・確認理由・修正履歴")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REVIEW)
    flagged = models.PositiveSmallIntegerField(default=0, help_text="確認が必要な項目の数")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    checked_at = models.DateTimeField(null=True, blank=True)
    check_seconds = models.FloatField(default=0)
    second_checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+")
    second_checked_at = models.DateTimeField(null=True, blank=True)
    second_check_seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["batch", "seq"]
        indexes = [models.Index(fields=["batch", "status"])]

    @property
    def label(self) -> str:
        return f"{self.source.name} p.{self.number}"
