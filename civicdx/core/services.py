"""Writes of the core part: audit events, municipalities, organisation trees, users, tokens, jobs."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from civicdx.core import lgcode
from civicdx.core.errors import ApplicationError
from civicdx.core.models import ApiToken, AuditEvent, Job, Municipality, OrgUnit, User
from civicdx.core.permissions import check_admin


def _jsonable(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def audit_record(*, actor: User | None, action: str, obj=None, object_type: str = "", object_id: str = "",
                 municipality: Municipality | None = None, changes: dict | None = None) -> AuditEvent:
    """Append one audit event. ``changes`` is {"field": [old, new]} or a summary dict."""
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or str(obj.pk)
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor.get_username() if actor is not None else "system",
        municipality=municipality,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=str(obj)[:300] if obj is not None else "",
        changes={k: [_jsonable(a) for a in v] if isinstance(v, (list, tuple)) else _jsonable(v) for k, v in (changes or {}).items()},
    )


def diff_fields(instance, data: dict) -> dict:
    """{"field": [old, new]} for the fields of ``data`` whose value differs on ``instance``."""
    return {k: [getattr(instance, k), v] for k, v in data.items() if getattr(instance, k) != v}


def municipality_get_or_create(*, lg_code: str, actor: User | None, is_demo: bool = False) -> Municipality:
    """The municipality for a code; created from the bundled table of 政令市 and 区 when unknown."""
    code = lgcode.normalize_lg_code(lg_code)
    existing = Municipality.objects.filter(lg_code=code).first()
    if existing is not None:
        return existing
    info = lgcode.lookup(code)
    if info is None:
        raise ApplicationError(
            "municipality_unknown",
            f"団体コード {code} は同梱の団体一覧（政令指定都市と区）にありません。先に団体を登録してください。",
        )
    municipality = Municipality.objects.create(lg_code=code, name=info.name, kind=info.kind,
                                               prefecture=info.prefecture, is_demo=is_demo)
    audit_record(actor=actor, action="municipality.create", obj=municipality, municipality=municipality,
                 changes={"lg_code": [None, code], "name": [None, info.name]})
    return municipality


def org_path(names: Iterable[str]) -> str:
    return "/".join(n for n in names if n)


def org_units_ensure(*, municipality: Municipality, valid_from: dt.date, org_tuples: Iterable[tuple[str, str, str, str]],
                     actor: User | None, headcounts: dict[tuple, float] | None = None) -> dict[tuple, OrgUnit]:
    """Create the missing units of a tree version for (局, 部, 課, 係) tuples; return 係 by tuple.

    Units are created level by level in bulk (a city has about 2,000 of them).
    """
    existing = {u.path: u for u in OrgUnit.objects.filter(municipality=municipality, valid_from=valid_from)}
    order = len(existing)
    orgs = list(org_tuples)
    kinds = (OrgUnit.Kind.BUREAU, OrgUnit.Kind.DEPARTMENT, OrgUnit.Kind.DIVISION, OrgUnit.Kind.SECTION)
    created = 0
    for level, kind in enumerate(kinds):
        new: dict[str, OrgUnit] = {}
        for org in orgs:
            if not org[level]:
                continue
            names = [n for n in org[: level + 1] if n]
            path = org_path(names)
            if path in existing or path in new:
                continue
            parent_path = org_path(names[:-1])
            order += 1
            new[path] = OrgUnit(municipality=municipality, parent=existing.get(parent_path) if parent_path else None,
                                kind=kind, name=org[level], path=path, valid_from=valid_from, sort_order=order,
                                headcount=(headcounts or {}).get(org) if kind == OrgUnit.Kind.SECTION else None)
        if new:
            OrgUnit.objects.bulk_create(list(new.values()), batch_size=1000)
            existing.update(new)
            created += len(new)
    if created:
        audit_record(actor=actor, action="org.create", object_type="core.OrgUnit", municipality=municipality,
                     changes={"summary": f"{valid_from.isoformat()} 適用の組織を {created} 件作成"})
    return {org: existing[org_path(org)] for org in orgs}


def user_create(*, actor: User | None, username: str, password: str, role: str, municipality: Municipality | None,
                org_unit: OrgUnit | None = None, display_name: str = "") -> User:
    if actor is not None:
        check_admin(actor)
    if User.objects.filter(username=username).exists():
        raise ApplicationError("user_exists", f"ユーザー名「{username}」は既に使われています。")
    user = User(username=username, role=role, municipality=municipality, org_unit=org_unit, display_name=display_name,
                is_superuser=role == User.Role.ADMIN, is_staff=role == User.Role.ADMIN)
    user.set_password(password)
    user.save()
    audit_record(actor=actor, action="user.create", obj=user, municipality=municipality,
                 changes={"role": [None, role], "org_unit": [None, org_unit.path if org_unit else None]})
    return user


def api_token_create(*, actor: User, user: User, name: str) -> str:
    """Create a token and return its plain value (shown once; only a hash is stored)."""
    if actor.pk != user.pk:
        check_admin(actor)
    value = "cdx_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, key_hash=hashlib.sha256(value.encode()).hexdigest(), prefix=value[:8])
    audit_record(actor=actor, action="api_token.create", obj=user, municipality=user.municipality,
                 changes={"name": [None, name]})
    return value


def api_token_authenticate(value: str) -> User | None:
    digest = hashlib.sha256(value.encode()).hexdigest()
    token = ApiToken.objects.select_related("user", "user__org_unit").filter(key_hash=digest).first()
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def job_create(*, kind: str, title: str, actor: User | None, municipality: Municipality | None, params: dict) -> Job:
    return Job.objects.create(kind=kind, title=title, created_by=actor if actor and actor.is_authenticated else None,
                              municipality=municipality, params=params)


def job_progress_key(job_id) -> str:
    return f"civicdx:job:{job_id}:progress"


class JobProgress:
    """Progress reporter a job passes to a service.

    Progress goes to the shared cache, not the database: an import writes inside one transaction, and rows
    written there are invisible to the page polling for progress until the commit.
    """

    def __init__(self, job: Job | None, echo=None):
        self.job = job
        self.echo = echo
        self._last = 0.0

    def __call__(self, message: str, done: int, total: int) -> None:
        if self.echo is not None:
            self.echo(message, done, total)
        now = time.monotonic()
        if self.job is None or (now - self._last < 0.3 and done < total):
            return
        self._last = now
        cache.set(job_progress_key(self.job.pk), {"progress": done, "total": total, "message": message[:500]}, 86400)


def job_start(*, job: Job) -> None:
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=timezone.now())


@transaction.atomic
def job_finish(*, job: Job, ok: bool, message: str, result: dict) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.SUCCESSFUL if ok else Job.Status.FAILED, finished_at=timezone.now(),
        message=message[:500], result=result,
    )
    cache.delete(job_progress_key(job.pk))
