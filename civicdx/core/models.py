"""Municipality, organisation tree, users and roles, audit log and background jobs."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class Municipality(models.Model):
    lg_code = models.CharField("団体コード", max_length=6, unique=True)
    name = models.CharField("団体名", max_length=100)
    kind = models.CharField("種別", max_length=20, blank=True)
    prefecture = models.CharField("都道府県", max_length=10, blank=True)
    is_demo = models.BooleanField("デモデータ（合成）", default=False)
    population = models.IntegerField("人口", null=True, blank=True)

    class Meta:
        verbose_name = "団体"
        ordering = ["lg_code"]

    def __str__(self) -> str:
        return self.name


class OrgUnit(models.Model):
    """A node of the organisation tree 局 → 部 → 課 → 係.

    A tree version is all units of a municipality sharing one ``valid_from`` (reorganisations happen every
    April and copy the tree); the tree in force on a day is the version with the latest ``valid_from`` on or
    before it.
    """

    class Kind(models.TextChoices):
        BUREAU = "bureau", "局"
        DEPARTMENT = "department", "部"
        DIVISION = "division", "課"
        SECTION = "section", "係"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="org_units")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    kind = models.CharField("階層", max_length=12, choices=Kind.choices)
    name = models.CharField("名称", max_length=100)
    # "総務局/総務部/人事課/人事係": used for scoping a user across tree versions and for fast filtering.
    path = models.CharField(max_length=400, db_index=True)
    valid_from = models.DateField("適用開始日")
    headcount = models.DecimalField("職員数（人）", max_digits=7, decimal_places=1, null=True, blank=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        verbose_name = "組織"
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "valid_from", "path"], name="orgunit_unique_path"),
        ]
        indexes = [models.Index(fields=["municipality", "valid_from", "kind"])]

    def __str__(self) -> str:
        return self.name



class User(AbstractUser):
    class Role(models.TextChoices):
        ADMIN = "admin", "システム管理者"
        DX = "dx", "DX推進担当"
        EDITOR = "editor", "所属編集者"
        VIEWER = "viewer", "閲覧者"

    display_name = models.CharField("氏名", max_length=100, blank=True)
    role = models.CharField("役割", max_length=10, choices=Role.choices, default=Role.VIEWER)
    municipality = models.ForeignKey(Municipality, null=True, blank=True, on_delete=models.PROTECT)
    # The 課 or 係 the user belongs to; editors and scoped viewers see this subtree only.
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # 係長 and above: approve manuals (業務マニュアル) of the units they may edit.
    can_approve = models.BooleanField("承認権限（係長以上）", default=False)

    @property
    def label(self) -> str:
        return self.display_name or self.username


class ApiToken(models.Model):
    """Bearer token for the REST API. Only a hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise RuntimeError("監査ログは追記のみです（更新できません）。")

    def delete(self):
        raise RuntimeError("監査ログは追記のみです（削除できません）。")


class AuditEvent(models.Model):
    """Append-only record of every write: who, when, what, old and new values."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    municipality = models.ForeignKey(Municipality, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    # {"field": [old, new], ...} for updates; {"summary": ...} for bulk operations
    changes = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("監査ログは追記のみです（更新できません）。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("監査ログは追記のみです（削除できません）。")


class Job(models.Model):
    """A long-running background job as users see it: progress, message, result."""

    class Status(models.TextChoices):
        READY = "READY", "待機中"
        RUNNING = "RUNNING", "実行中"
        SUCCESSFUL = "SUCCESSFUL", "完了"
        FAILED = "FAILED", "失敗"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    municipality = models.ForeignKey(Municipality, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.READY)
    progress = models.IntegerField(default=0)
    total = models.IntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCESSFUL:
            return 100
        return int(100 * self.progress / self.total) if self.total else 0
