"""The REST API: one NinjaAPI, token or session auth, application errors mapped to HTTP statuses."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from civicdx.core.errors import ApplicationError
from civicdx.core.services import api_token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="civicdx API",
    version="1",
    description="全庁業務量調査などの REST API。`Authorization: Bearer <token>`（`civicdx tokens create`）またはログイン中のセッションで認証します。",
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
)


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.get("/jobs/{job_id}", tags=["ジョブ"], summary="バックグラウンドジョブの進み具合")
def job(request, job_id: str):
    from civicdx.core.selectors import job_status

    return job_status(job_id=job_id, user=request.user)
