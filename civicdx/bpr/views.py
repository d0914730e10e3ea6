"""BPR pages: analysis dashboard, candidates, rules with preview, peers, rounds, projects, reports."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from civicdx.bpr import charts as bpr_charts
from civicdx.bpr import rules as R
from civicdx.bpr import selectors, services
from civicdx.core import fiscal
from civicdx.core.errors import ApplicationError
from civicdx.core.permissions import check_dx, is_dx_office
from civicdx.survey import charts
from civicdx.survey import selectors as survey_selectors
from civicdx.survey.views import _export, _quote, handles_errors


def _ctx(request, survey, tab: str, **extra):
    return {"nav_section": "bpr", "survey": survey, "tab": tab,
            "survey_label": f"{fiscal.fiscal_year_label(survey.fiscal_year)} {survey.round}",
            "is_dx": is_dx_office(request.user), **extra}


@handles_errors
def home(request):
    survey = survey_selectors.survey_list(user=request.user).first()
    if survey is None:
        return redirect("survey:list")
    return redirect("bpr:dashboard", survey.pk)


@handles_errors
def dashboard(request, survey_id: int):
    survey = survey_selectors.survey_get(user=request.user, survey_id=survey_id)
    totals = selectors.candidate_totals(user=request.user, survey=survey)
    matrix = survey_selectors.survey_summary(user=request.user, survey=survey, by="matrix")
    divisions = selectors.top_divisions(user=request.user, survey=survey)
    projects = selectors.project_totals(user=request.user, survey=survey)
    pareto = survey_selectors.survey_pareto(user=request.user, survey=survey, limit=300)
    return render(request, "bpr/dashboard.html", _ctx(
        request, survey, "dashboard", totals=totals, matrix=matrix, projects=projects, pareto=pareto,
        chart_matrix=charts.to_attr(bpr_charts.matrix_treemap(matrix["groups"])),
        chart_types=charts.to_attr(charts.bar([t["type_label"] for t in totals["types"] if t["type"] != "focus"] +
                                              [f"デジタル化: {t['tool']}" for t in totals["tools"]],
                                              [t["saving_hours"] for t in totals["types"] if t["type"] != "focus"] +
                                              [t["saving_hours"] for t in totals["tools"]], name="削減見込み", horizontal=True)),
        chart_divisions=charts.to_attr(charts.bar([d["path"] for d in divisions], [d["saving_hours"] for d in divisions],
                                                  name="削減見込み", horizontal=True)),
        chart_pareto=charts.to_attr(charts.pareto([r["task"].name for r in pareto["rows"]], [r["hours"] for r in pareto["rows"]],
                                                  [r["cumulative_share"] for r in pareto["rows"]])),
    ))


@handles_errors
def candidate_list(request, survey_id: int):
    survey = survey_selectors.survey_get(user=request.user, survey_id=survey_id)
    filters = {"type": request.GET.get("type") or None, "tool": request.GET.get("tool") or None,
               "unit_id": int(request.GET["unit"]) if request.GET.get("unit", "").isdigit() else None,
               "q": request.GET.get("q", "").strip()[:100]}
    export_format = request.GET.get("format")
    rows = selectors.candidate_rows(user=request.user, survey=survey, limit=100_000 if export_format else 300, **filters)
    headers = ["局", "課", "係", "業務ID", "業務名", "種類", "手段", "手順", "対象時間", "人役", "削減見込み(時間)", "前提", "確からしさ", "理由"]
    exported = _export(request, f"BPR候補_{survey.fiscal_year}", headers, [
        [r["bureau"], r["division"], r["section"], r["task"].code, r["task"].name, r["type_label"], r["candidate"].tool,
         r["candidate"].step_no, round(r["candidate"].hours, 1), round(r["person_years"], 3),
         round(r["candidate"].saving_hours, 1), r["candidate"].assumption, r["candidate"].confidence,
         " ".join(r["candidate"].reasons)] for r in rows]) if export_format else None
    if exported:
        return exported
    tree = survey_selectors.org_tree(survey=survey)
    bureaus = tree.children[None]
    query = request.GET.copy()
    query.pop("format", None)
    return render(request, "bpr/candidates.html", _ctx(
        request, survey, "candidates", rows=rows, filters=filters, types=R.TYPES, tools=R.TOOLS, bureaus=bureaus,
        divisions=[d for b in bureaus for d in _divisions(tree, b)], query=query.urlencode()))


def _divisions(tree, unit):
    for child in tree.children[unit.pk]:
        if child.kind == "division":
            yield child
        elif child.kind == "department":
            yield from _divisions(tree, child)


@handles_errors
def rules_edit(request, survey_id: int):
    survey = survey_selectors.survey_get(user=request.user, survey_id=survey_id)
    check_dx(request.user)
    current = services.rules_for(survey.municipality)
    text = current.text
    preview = error = None
    if request.method == "POST":
        text = request.POST.get("yaml_text", "")
        try:
            if request.POST.get("action") == "reset":
                text = R.DEFAULT_RULES_PATH.read_text(encoding="utf-8")
            new_rules = R.parse_rules(text)
            if request.POST.get("action") == "save":
                services.rules_save(actor=request.user, municipality=survey.municipality, text=text)
                messages.success(request, "ルールを保存しました。候補を計算し直しました。")
                return redirect("bpr:dashboard", survey.pk)
            preview = _preview(survey, current, new_rules)
        except ApplicationError as exc:
            error = exc
    return render(request, "bpr/rules.html", _ctx(request, survey, "rules", text=text, preview=preview, error=error))


def _preview(survey, current: R.RuleSet, new: R.RuleSet) -> list[dict]:
    """Candidate counts and savings per type under the current and the edited rules (nothing is saved)."""
    def tally(rules):
        out: dict[str, dict] = {}
        seen: set[tuple[str, int]] = set()
        for task_id, flag in services.evaluate_survey(survey, rules):
            slot = out.setdefault(flag.type, {"tasks": 0, "saving": 0.0})
            if (flag.type, task_id) not in seen:
                seen.add((flag.type, task_id))
                slot["tasks"] += 1
            slot["saving"] += flag.saving_hours
        return out

    before, after = tally(current), tally(new)
    return [{"type": t, "label": label, "before": before.get(t, {"tasks": 0, "saving": 0.0}),
             "after": after.get(t, {"tasks": 0, "saving": 0.0})} for t, label in R.TYPES.items()]


@handles_errors
def peers(request, survey_id: int):
    survey = survey_selectors.survey_get(user=request.user, survey_id=survey_id)
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ApplicationError("no_file", "取り込むCSVファイルを選んでください。")
            if upload.size > 20 * 1024 * 1024:
                raise ApplicationError("upload_too_large", "ファイルが大きすぎます（20 MBまで）。")
            if request.POST.get("kind") == "survey":
                suffix = Path(upload.name).suffix.lower()[:6]
                with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
                    for chunk in upload.chunks():
                        tmp.write(chunk)
                    tmp.flush()
                    population = request.POST.get("population", "").replace(",", "").strip()
                    peer = services.peers_import_survey(actor=request.user, path=Path(tmp.name), filename=upload.name,
                                                        name=request.POST.get("name", ""),
                                                        population=int(population) if population.isdigit() else 0,
                                                        fiscal_year=request.POST.get("year") or survey.fiscal_year)
                messages.success(request, f"{peer.name} の調査を分類別に集計して取り込みました。")
            else:
                cities = services.peers_import_csv(actor=request.user, data=upload.read(), filename=upload.name)
                messages.success(request, f"{len(cities)}団体の集計値を取り込みました。")
        except ApplicationError as exc:
            messages.error(request, exc.message + (" " + " ／ ".join(exc.details[:5]) if isinstance(exc.details, list) else ""))
        return redirect("bpr:peers", survey.pk)
    if request.GET.get("export") == "own":
        response = HttpResponse(services.peers_export_csv(survey=survey), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(f'分類別集計_{survey.municipality.name}_{survey.fiscal_year}')}.csv"
        return response
    level = "minor" if request.GET.get("level") == "minor" else "major"
    data = selectors.peer_comparison(user=request.user, survey=survey, level=level)
    headers = ["分類", "年間時間", "人口1万人当たり時間", "他都市の数", "他都市の中央値", "第1四分位", "第3四分位",
               "1件当たり時間", "他都市の1件当たり中央値", "中央値との差(時間)"]
    exported = _export(request, f"他都市比較_{survey.fiscal_year}", headers, [
        [" / ".join(r["key"]), round(r["hours"], 1), r["per10k"], r["peers"], r["peer_median_per10k"], r["peer_q1_per10k"],
         r["peer_q3_per10k"], r["per_case"], r["peer_median_per_case"], r["excess_hours"]] for r in data["rows"]])
    if exported:
        return exported
    top = [r for r in data["rows"] if r["per10k"] is not None and r["peer_median_per10k"] is not None][:20]
    return render(request, "bpr/peers.html", _ctx(request, survey, "peers", data=data, level=level,
                                                  chart=charts.to_attr(bpr_charts.peer_boxes(top))))


@handles_errors
def rounds(request, survey_id: int):
    survey = survey_selectors.survey_get(user=request.user, survey_id=survey_id)
    others = [s for s in survey_selectors.survey_list(user=request.user) if s.pk != survey.pk and s.municipality_id == survey.municipality_id]
    other_id = request.GET.get("other")
    data = None
    if other_id and other_id.isdigit():
        before = survey_selectors.survey_get(user=request.user, survey_id=int(other_id))
        data = selectors.round_comparison(user=request.user, before=before, after=survey)
        headers = ["所属", "業務ID", "業務名", "前回(時間)", "今回(時間)", "増減(時間)", "対応づけ"]
        exported = _export(request, f"調査比較_{survey.fiscal_year}", headers, [
            [t["path"], t["code"], t["name"], round(t["before"], 1), round(t["after"], 1), round(t["change"], 1), t["matched_by"]]
            for t in data["tasks"]])
        if exported:
            return exported
    return render(request, "bpr/rounds.html", _ctx(request, survey, "rounds", others=others, data=data, other_id=other_id))


@handles_errors
def projects(request, survey_id: int):
    survey = survey_selectors.survey_get(user=request.user, survey_id=survey_id)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "create":
                task_ids = [int(x) for x in request.POST.getlist("task") if x.isdigit()]
                project = services.project_create(actor=request.user, survey=survey, name=request.POST.get("name", ""),
                                                  tool=request.POST.get("tool", ""), owner=request.POST.get("owner", ""),
                                                  task_ids=task_ids)
                messages.success(request, f"施策「{project.name}」を作りました（削減見込み {project.planned_hours:,.0f} 時間/年）。")
            else:
                project = selectors.projects(user=request.user, survey=survey).filter(pk=request.POST.get("project")).first()
                if project is None:
                    raise Http404
                achieved = request.POST.get("achieved_hours", "").strip()
                services.project_update(actor=request.user, project=project, status=request.POST.get("status") or None,
                                        achieved_hours=float(achieved) if achieved else None)
                messages.success(request, f"施策「{project.name}」を更新しました。")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        except ValueError:
            messages.error(request, "削減実績は数値で入力してください。")
        return redirect("bpr:projects", survey.pk)
    from civicdx.bpr.models import Project
    from civicdx.digilab.selectors import project_achieved

    items = list(selectors.projects(user=request.user, survey=survey))
    for p in items:
        p.ledger_hours = project_achieved(project=p)  # net hours the デジラボ ledger holds for the 施策's 業務
    return render(request, "bpr/projects.html", _ctx(request, survey, "projects", projects=items,
                                                     totals=selectors.project_totals(user=request.user, survey=survey),
                                                     ledger_total=sum(p.ledger_hours for p in items),
                                                     statuses=Project.Status.choices, tools=R.TOOLS))


@handles_errors
def report(request, survey_id: int, fmt: str):
    from civicdx.bpr.report import write_pdf, write_xlsx

    survey = survey_selectors.survey_get(user=request.user, survey_id=survey_id)
    data = selectors.report_data(user=request.user, survey=survey)
    suffix = ".pdf" if fmt == "pdf" else ".xlsx"
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        (write_pdf if fmt == "pdf" else write_xlsx)(data, Path(tmp.name))
        content = Path(tmp.name).read_bytes()
    content_type = "application/pdf" if fmt == "pdf" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(f'BPR分析報告_{survey.municipality.name}_{survey.fiscal_year}')}{suffix}"
    return response


@handles_errors
@require_POST
def similarity(request, survey_id: int):
    from civicdx.bpr.tasks import similarity_task
    from civicdx.core.services import job_create

    survey = survey_selectors.survey_get(user=request.user, survey_id=survey_id)
    check_dx(request.user)
    job = job_create(kind="bpr_similarity", title="類似業務のグループ化", actor=request.user, municipality=survey.municipality,
                     params={"survey_id": survey.pk})
    similarity_task.enqueue(survey_id=survey.pk, job_id=str(job.pk))
    return redirect(f"{reverse('job', args=[job.pk])}?next={reverse('bpr:dashboard', args=[survey.pk])}")


@handles_errors
def taxonomy(request, survey_id: int):
    survey = survey_selectors.survey_get(user=request.user, survey_id=survey_id)
    data = selectors.taxonomy_suggestions(user=request.user, survey=survey,
                                          limit=5000 if request.GET.get("format") else 200)
    headers = ["所属", "業務ID", "業務名", "年間時間", "提案する中分類", "その大分類", "一致度"]
    exported = _export(request, f"中分類の提案_{survey.fiscal_year}", headers, [
        [r["task"].section.path, r["task"].code, r["task"].name, round(r["task"].hours, 1), r["minor"] or "", r["major"],
         round(r["score"], 2)] for r in data["rows"]])
    if exported:
        return exported
    return render(request, "bpr/taxonomy.html", _ctx(request, survey, "taxonomy", data=data))
