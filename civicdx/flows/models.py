"""業務フロー, 業務マニュアル, 引継書 and the search index.

Flows and manuals belong to a 業務 by its stable key — municipality, the 係's 名称 path and the 業務ID — not to
one survey's Task row: a 係 re-importing its answers, or next year's survey, keeps them (Task rows are replaced).
"""

from __future__ import annotations

import zlib

from django.conf import settings
from django.db import models

from civicdx.core.models import Municipality, OrgUnit
from civicdx.survey.models import Survey, Task


class TaskKeyed(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    section_path = models.CharField("係", max_length=400)
    task_code = models.CharField("業務ID", max_length=40)
    restricted = models.BooleanField("閲覧制限（所属内のみ）", default=False)

    class Meta:
        abstract = True

    @classmethod
    def key_of(cls, task: Task) -> dict:
        return {"municipality_id": task.survey.municipality_id, "section_path": task.section.path,
                "task_code": task.code}


class Flow(TaskKeyed):
    class Kind(models.TextChoices):
        AS_IS = "asis", "現行（As-Is）"
        TO_BE = "tobe", "改善案（To-Be）"

    kind = models.CharField("種別", max_length=4, choices=Kind.choices, default=Kind.AS_IS)
    title = models.CharField("名称", max_length=200)
    version_no = models.IntegerField(default=1)   # the current version
    hours = models.FloatField("年間時間", default=0.0)
    task_count = models.IntegerField(default=0)
    task_names = models.TextField(blank=True)      # current version's task names, one per line (search, lists)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["municipality", "section_path", "task_code"])]

    def __str__(self) -> str:
        return self.title


class FlowVersion(models.Model):
    """One saved state of a flow. The XML is kept zlib-compressed (a city's 59,000 flows stay ≈ 100 MB)."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="versions")
    no = models.IntegerField()
    xml_z = models.BinaryField()
    hours = models.FloatField(default=0.0)
    comment = models.CharField("コメント", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["flow", "no"], name="flowversion_unique_no")]
        ordering = ["-no"]

    @property
    def xml(self) -> str:
        return zlib.decompress(bytes(self.xml_z)).decode("utf-8")

    @staticmethod
    def pack(xml: str) -> bytes:
        return zlib.compress(xml.encode("utf-8"), 1)


class Manual(TaskKeyed):
    class Status(models.TextChoices):
        DRAFT = "draft", "作成中"
        REVIEW = "review", "承認待ち"
        APPROVED = "approved", "承認済み"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name="管理者")
    status = models.CharField("状態", max_length=8, choices=Status.choices, default=Status.DRAFT)
    version_no = models.IntegerField(default=0)
    approved_no = models.IntegerField(null=True, blank=True)
    last_reviewed_at = models.DateField("最終確認日", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "section_path", "task_code"],
                                               name="manual_unique_task")]


class ManualVersion(models.Model):
    manual = models.ForeignKey(Manual, on_delete=models.CASCADE, related_name="versions")
    no = models.IntegerField()
    body = models.TextField("本文（Markdown）")
    comment = models.CharField("変更内容", max_length=300, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["manual", "no"], name="manualversion_unique_no")]
        ordering = ["-no"]


def attachment_path(instance: "ManualAttachment", filename: str) -> str:
    return f"manuals/{instance.manual_id}/{filename}"


class ManualAttachment(models.Model):
    manual = models.ForeignKey(Manual, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    @property
    def is_image(self) -> bool:
        return self.content_type in ("image/png", "image/jpeg", "image/gif", "image/webp")


class Handover(models.Model):
    """引継書: written by the person leaving a post, signed off by the successor."""

    class Status(models.TextChoices):
        DRAFT = "draft", "作成中"
        SIGNED = "signed", "引継完了（後任者確認済み）"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="所属")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name="前任者")
    successor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name="後任者")
    title = models.CharField("件名", max_length=200)
    task_ids = models.JSONField(default=list)
    body = models.TextField("本文（Markdown）")
    status = models.CharField("状態", max_length=8, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class SearchDoc(models.Model):
    """One searchable 業務 of one survey. The text lives in the full-text index (SQLite FTS5 table
    ``flows_search_fts`` with the same rowid, or the ``tsv`` column on PostgreSQL), see ``civicdx.flows.search``."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    # No database constraint: survey imports replace Task rows with raw deletes; the index is rebuilt after.
    task = models.ForeignKey(Task, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    section_path = models.CharField(max_length=400)
    restricted = models.BooleanField(default=False)
    hours = models.FloatField(default=0.0)

    class Meta:
        indexes = [models.Index(fields=["survey", "task"])]
