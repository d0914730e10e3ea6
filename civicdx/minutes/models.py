"""AI議事録: meetings (one recording each, its transcript and the minutes' header), 単語登録, enrolled voices and
the city's settings (filler list, audio retention)."""

from __future__ import annotations

import numpy as np
from django.conf import settings
from django.db import models

from civicdx.core.models import Job, Municipality, OrgUnit
from civicdx.minutes.fillers import DEFAULT_FILLERS


class MinutesSettings(models.Model):
    municipality = models.OneToOneField(Municipality, on_delete=models.CASCADE, related_name="+")
    fillers = models.TextField("ケバ取りの語", default=DEFAULT_FILLERS,
                               help_text="1行に1語。語の後に「、」を付けると、直後に区切りがあるときだけ除きます。")
    retention_days = models.PositiveIntegerField("音声の保存日数", default=30)


class VocabularyEntry(models.Model):
    """One 単語登録 word; ``division`` empty means the whole city."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    division = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    notation = models.CharField("表記", max_length=40)
    reading = models.CharField("読み", max_length=80)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class Voice(models.Model):
    """An enrolled voice print (a regular member read a sample), recognised by name in later meetings."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    division = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    name = models.CharField("氏名", max_length=60)
    embedding = models.BinaryField()
    sample_seconds = models.FloatField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def vector(self) -> np.ndarray:
        return np.frombuffer(bytes(self.embedding), dtype=np.float32)


def audio_upload_path(instance: "Meeting", filename: str) -> str:
    return f"minutes/{instance.municipality_id}/{instance.pk or 'new'}/{filename}"


class Meeting(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "待機中"
        RUNNING = "running", "認識中"
        REVIEW = "review", "編集中"
        FINISHED = "finished", "完成"
        FAILED = "failed", "失敗"
        CANCELLED = "cancelled", "中止"

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", help_text="依頼した所属（課または係）")
    division = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", help_text="依頼した課")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    title = models.CharField("会議名", max_length=200)
    held_at = models.DateTimeField("日時", null=True, blank=True)
    place = models.CharField("場所", max_length=200, blank=True)
    attendees = models.TextField("出席者", blank=True, help_text="1行に1人")
    agenda = models.TextField("議題", blank=True, help_text="1行に1件")

    audio = models.FileField(upload_to=audio_upload_path, max_length=300, blank=True)
    playback = models.FileField(upload_to=audio_upload_path, max_length=300, blank=True)
    audio_name = models.CharField(max_length=255, blank=True)
    audio_size = models.BigIntegerField(default=0)
    audio_deleted_at = models.DateTimeField(null=True, blank=True)
    duration_s = models.FloatField(default=0)

    num_speakers = models.PositiveSmallIntegerField("話者数", null=True, blank=True)
    min_speakers = models.PositiveSmallIntegerField("最少話者数", default=1)
    max_speakers = models.PositiveSmallIntegerField("最多話者数", default=8)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cancel_requested = models.BooleanField(default=False)
    error = models.CharField(max_length=500, blank=True)
    transcript = models.JSONField(default=dict, blank=True)
    model_name = models.CharField(max_length=100, blank=True)
    rtf = models.FloatField(null=True, blank=True)
    editing_seconds = models.FloatField("編集時間（秒）", default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    ledger_entry = models.ForeignKey("digilab.LedgerEntry", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["municipality", "division", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def has_audio(self) -> bool:
        return bool(self.playback) and self.audio_deleted_at is None

    @property
    def duration_label(self) -> str:
        from civicdx.minutes.formats import short_clock

        return short_clock(self.duration_s)

    def lines(self, field: str) -> list[str]:
        return [x.strip() for x in getattr(self, field).splitlines() if x.strip()]
