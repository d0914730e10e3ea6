"""BPR analysis: rule sets, cached candidates, similarity groups, improvement projects, peer cities."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from civicdx.core.models import Municipality
from civicdx.survey.models import Survey, Task


class RuleSet(models.Model):
    """The candidate rules of a municipality (YAML), edited by the DX office; the bundled default until then."""

    municipality = models.OneToOneField(Municipality, on_delete=models.CASCADE, related_name="+")
    yaml_text = models.TextField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)


class CandidateRun(models.Model):
    """Which rules and which data version the stored candidates of a survey were computed from."""

    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="+")
    rules_fingerprint = models.CharField(max_length=32)
    data_version = models.IntegerField()
    groups_version = models.IntegerField(default=0)
    computed_at = models.DateTimeField(auto_now=True)
    seconds = models.FloatField(default=0)
    # City-wide totals (rules.summarize) for users who see everything; scoped users get theirs computed live.
    summary = models.JSONField(default=dict)


class Candidate(models.Model):
    TYPES = [("review", "見直し"), ("digital", "デジタル化"), ("consolidate", "集約化"), ("bpo", "BPO・委託"),
             ("focus", "職員が注力すべき業務")]

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="candidates")
    type = models.CharField(max_length=12, choices=TYPES)
    rule = models.CharField(max_length=30)
    tool = models.CharField(max_length=20, blank=True)
    step_no = models.IntegerField(null=True, blank=True)
    reasons = models.JSONField(default=list)
    hours = models.FloatField()
    saving_hours = models.FloatField()
    assumption = models.CharField(max_length=300)
    confidence = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["survey", "type"]), models.Index(fields=["survey", "task"])]


class SimilarityGroup(models.Model):
    """業務 of the same kind across the city (from civicdx.bpr.similarity), computed as a background job."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="+")
    group_no = models.IntegerField()
    label = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["survey", "group_no"])]


class Project(models.Model):
    """施策: an improvement project made from candidates; achieved hours come later from the デジラボ ledger."""

    class Status(models.TextChoices):
        PLANNED = "planned", "計画"
        RUNNING = "running", "実施中"
        DONE = "done", "完了"
        STOPPED = "stopped", "中止"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField("施策名", max_length=200)
    owner = models.CharField("担当", max_length=100, blank=True)
    tool = models.CharField("手段", max_length=30, blank=True)
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.PLANNED)
    planned_hours = models.FloatField("削減見込み（時間/年）", default=0)
    achieved_hours = models.FloatField("削減実績（時間/年）", null=True, blank=True)
    note = models.TextField("メモ", blank=True)
    tasks = models.ManyToManyField(Task, related_name="projects", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class PeerCity(models.Model):
    """Another city's survey, as aggregates per taxonomy node (no names of people or 係)."""

    name = models.CharField("団体名", max_length=100)
    lg_code = models.CharField("団体コード", max_length=6, blank=True)
    population = models.IntegerField("人口")
    fiscal_year = models.IntegerField("年度")
    source = models.CharField("出典", max_length=200, blank=True)
    is_demo = models.BooleanField("合成データ", default=False)
    created_at = models.DateTimeField(auto_now_add=True)


class PeerAggregate(models.Model):
    peer = models.ForeignKey(PeerCity, on_delete=models.CASCADE, related_name="aggregates")
    category_major = models.CharField(max_length=40)
    category_minor = models.CharField(max_length=80, blank=True)
    hours = models.FloatField()
    cases = models.FloatField(default=0)
    tasks = models.IntegerField(default=0)
