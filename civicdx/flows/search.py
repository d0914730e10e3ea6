"""Full-text search over 業務名, flow task names and manuals (see ``civicdx.flows.textsearch`` for the method).

SQLite: a contentless FTS5 table ``flows_search_fts(name, flow, manual)`` whose rowid is ``SearchDoc.id``.
PostgreSQL: a ``tsv`` tsvector column on ``flows_searchdoc`` with a GIN index; name, flow and manual carry the
weights A, B and C. Both answer with the same rows in the same order: 業務名 matches first, then flow matches,
then manual matches; within each, the larger 業務 (annual hours) first.

A changed 業務 gets a new SearchDoc (and index row); on SQLite the old index row stays behind, unreachable,
until the next full rebuild (``civicdx flows reindex``): contentless FTS5 tables cannot delete before SQLite 3.43.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction

from civicdx.flows import manual as manual_text
from civicdx.flows import textsearch
from civicdx.flows.models import Flow, Manual, ManualVersion, SearchDoc
from civicdx.survey.models import Step, Survey, Task

FTS_TABLE = "flows_search_fts"
SEP = f" {textsearch.FIELD_SEPARATOR} "


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@dataclass
class DocText:
    task_id: int
    section_path: str
    hours: float
    name: str
    flow: str
    manual: str
    restricted: bool


def _texts(survey: Survey, tasks) -> list[DocText]:
    """What to index for the given tasks: 業務名 (+中分類), task names of the As-Is flow (or 作業名 when there is
    none yet), the current manual; restricted when the flow or the manual is."""
    tasks = list(tasks)
    paths = {t.section.path for t in tasks}
    codes = {t.code for t in tasks}
    flows = defaultdict(list)
    restricted = set()
    for path, code, names, kind, r in Flow.objects.filter(
            municipality_id=survey.municipality_id, section_path__in=paths, task_code__in=codes).values_list(
            "section_path", "task_code", "task_names", "kind", "restricted").iterator(chunk_size=5000):
        if kind == Flow.Kind.AS_IS:
            flows[(path, code)].insert(0, names)
        else:
            flows[(path, code)].append(names)
        if r:
            restricted.add((path, code))
    manual_ids = {}
    for mid, path, code, no, r in Manual.objects.filter(
            municipality_id=survey.municipality_id, section_path__in=paths, task_code__in=codes,
            version_no__gt=0).values_list("id", "section_path", "task_code", "version_no", "restricted"):
        manual_ids[(mid, no)] = (path, code)
        if r:
            restricted.add((path, code))
    bodies = {}
    if manual_ids:
        wanted = {mid for mid, _no in manual_ids}
        for mid, no, body in ManualVersion.objects.filter(manual_id__in=wanted).values_list(
                "manual_id", "no", "body").iterator(chunk_size=2000):
            if (mid, no) in manual_ids:
                bodies[manual_ids[(mid, no)]] = manual_text.plain_text(body)
    steps = defaultdict(list)
    no_flow = [t.pk for t in tasks if (t.section.path, t.code) not in flows]
    for i in range(0, len(no_flow), 5000):
        for task_id, name in Step.objects.filter(task_id__in=no_flow[i:i + 5000]).order_by("no").values_list(
                "task_id", "name"):
            steps[task_id].append(name)
    out = []
    for t in tasks:
        key = (t.section.path, t.code)
        flow = "\n".join(flows[key]) if key in flows else "\n".join(steps.get(t.pk, []))
        out.append(DocText(task_id=t.pk, section_path=t.section.path, hours=t.hours,
                           name=f"{t.name}\n{t.category_minor}", flow=flow, manual=bodies.get(key, ""),
                           restricted=key in restricted))
    return out


def _insert(survey: Survey, docs: list[DocText]) -> None:
    if not docs:
        return
    rows = SearchDoc.objects.bulk_create([SearchDoc(survey=survey, task_id=d.task_id, section_path=d.section_path,
                                                    restricted=d.restricted, hours=d.hours) for d in docs],
                                         batch_size=2000)
    tokens = [(row.pk, textsearch.index_text(d.name), textsearch.index_text(d.flow), textsearch.index_text(d.manual))
              for row, d in zip(rows, docs)]
    with connection.cursor() as cur:
        if is_postgres():
            cur.executemany(
                "UPDATE flows_searchdoc SET tsv = setweight(to_tsvector('simple', %s), 'A') || "
                "setweight(to_tsvector('simple', %s), 'B') || setweight(to_tsvector('simple', %s), 'C') WHERE id = %s",
                [(n + SEP, f + SEP, m, pk) for pk, n, f, m in tokens])
        else:
            cur.executemany(f"INSERT INTO {FTS_TABLE}(rowid, name, flow, manual) VALUES (%s, %s, %s, %s)", tokens)


@transaction.atomic
def index_rebuild(survey: Survey, progress=None) -> int:
    """Index every 業務 of the survey afresh."""
    SearchDoc.objects.filter(survey=survey)._raw_delete(SearchDoc.objects.db)
    if not is_postgres() and not SearchDoc.objects.exists():
        with connection.cursor() as cur:
            cur.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')")
    tasks = Task.objects.filter(survey=survey).select_related("section").only(
        "id", "code", "name", "category_minor", "hours", "section__path").order_by("id")
    total = tasks.count()
    done = 0
    chunk = 5000
    for start in range(0, total, chunk):
        part = tasks[start:start + chunk]
        _insert(survey, _texts(survey, part))
        done += len(part)
        if progress:
            progress(f"検索索引 {done:,} / {total:,}", done, total)
    return done


def index_update(municipality_id: int, section_path: str, task_code: str) -> None:
    """Re-index the 業務 with this key in every survey (after a flow or manual changed)."""
    tasks = list(Task.objects.filter(survey__municipality_id=municipality_id, section__path=section_path,
                                     code=task_code).select_related("section", "survey"))
    for survey_id in {t.survey_id for t in tasks}:
        of_survey = [t for t in tasks if t.survey_id == survey_id]
        if not SearchDoc.objects.filter(survey_id=survey_id).exists():
            continue  # this survey was never indexed: nothing to keep in step
        SearchDoc.objects.filter(survey_id=survey_id, task_id__in=[t.pk for t in of_survey]).delete()
        _insert(of_survey[0].survey, _texts(of_survey[0].survey, of_survey))


@dataclass
class Hit:
    task_id: int
    tier: int  # 3: 業務名, 2: flow, 1: manual


def search(*, survey: Survey, query: str, scope: str | None, limit: int = 20, offset: int = 0) -> tuple[list[Hit], int, list[str]]:
    """(hits, total, terms). ``scope`` is the user's path prefix (restricted 業務 outside it are left out)."""
    terms = textsearch.query_terms(query)
    if not terms:
        return [], 0, []
    scope_sql, scope_params = "", []
    if scope is not None:
        scope_sql = " AND (d.restricted = %s OR d.section_path = %s OR substr(d.section_path, 1, %s) = %s)"
        scope_params = [False, scope, len(scope) + 1, scope + "/"]
    if is_postgres():
        match = "d.tsv @@ to_tsquery('simple', %s)"
        q_all, q_name, q_flow = (textsearch.tsquery(terms), textsearch.tsquery(terms, "A"),
                                 textsearch.tsquery(terms, "AB"))
    else:
        match = f"d.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"
        q_all, q_name, q_flow = (textsearch.fts5_query(terms), textsearch.fts5_query(terms, ("name",)),
                                 textsearch.fts5_query(terms, ("name", "flow")))
    where = f"d.survey_id = %s AND {match}{scope_sql}"
    params = [survey.pk, q_all, *scope_params]
    with connection.cursor() as cur:
        # One pass: the window count gives the total of the whole match, not just of the page.
        cur.execute(
            f"SELECT d.task_id, CASE WHEN {match} THEN 3 WHEN {match} THEN 2 ELSE 1 END AS tier, count(*) OVER () "
            f"FROM flows_searchdoc d WHERE {where} ORDER BY tier DESC, d.hours DESC, d.task_id LIMIT %s OFFSET %s",
            [q_name, q_flow, *params, limit, offset])
        rows = cur.fetchall()
        if rows:
            total = rows[0][2]
        else:  # a page past the end: count separately
            cur.execute(f"SELECT count(*) FROM flows_searchdoc d WHERE {where}", params)
            total = cur.fetchone()[0]
        hits = [Hit(task_id=r[0], tier=r[1]) for r in rows]
    return hits, total, terms
