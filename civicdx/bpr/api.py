"""REST endpoints for BPR candidates, peer comparison and round comparison."""

from __future__ import annotations

from ninja import Router

from civicdx.bpr import selectors
from civicdx.survey import selectors as survey_selectors

router = Router(tags=["BPR分析"])


@router.get("/surveys/{survey_id}/bpr/candidates", summary="BPR候補（CLI の bpr candidates --json と同じ形）")
def list_candidates(request, survey_id: int, type: str | None = None, limit: int = 1000):
    survey = survey_selectors.survey_get(user=request.user, survey_id=survey_id)
    return selectors.candidate_json(user=request.user, survey=survey, type=type, limit=max(1, min(limit, 100_000)))


@router.get("/surveys/{survey_id}/bpr/peers", summary="他都市比較（大分類 major / 中分類 minor）")
def peer_comparison(request, survey_id: int, level: str = "major"):
    survey = survey_selectors.survey_get(user=request.user, survey_id=survey_id)
    data = selectors.peer_comparison(user=request.user, survey=survey, level=level)
    return {"population": data["population"], "peers": [{"name": p.name, "population": p.population, "fiscal_year": p.fiscal_year,
                                                         "is_demo": p.is_demo} for p in data["peers"]], "rows": data["rows"]}


@router.get("/surveys/{survey_id}/bpr/rounds/{before_id}", summary="調査の比較（before_id → survey_id）")
def round_comparison(request, survey_id: int, before_id: int, limit: int = 1000):
    after = survey_selectors.survey_get(user=request.user, survey_id=survey_id)
    before = survey_selectors.survey_get(user=request.user, survey_id=before_id)
    return selectors.round_comparison(user=request.user, before=before, after=after, limit=max(1, min(limit, 100_000)))
