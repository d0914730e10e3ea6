"""Core pages: login (throttled), home, job progress, audit log."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.forms import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from civicdx.core import selectors
from civicdx.core.errors import ApplicationError


def _throttle_key(request, username: str) -> str:
    ip = request.META.get("REMOTE_ADDR", "")
    return "civicdx:login:" + hashlib.sha256(f"{username.lower()}|{ip}".encode()).hexdigest()


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self):
        username = self.data.get("username", "")
        key = _throttle_key(self.request, username)
        if cache.get(key, 0) >= settings.CIVICDX_LOGIN_MAX_FAILURES:
            raise ValidationError("ログインの失敗が続いたため、しばらく（15分）ログインできません。", code="throttled")
        try:
            return super().clean()
        except ValidationError:
            cache.set(key, cache.get(key, 0) + 1, settings.CIVICDX_LOGIN_WINDOW_SECONDS)
            raise


class LoginView(auth_views.LoginView):
    authentication_form = ThrottledAuthenticationForm

    def form_valid(self, form):
        cache.delete(_throttle_key(self.request, form.get_user().get_username()))
        return super().form_valid(form)


def home(request):
    return redirect("survey:list")


def job_page(request, job_id):
    try:
        status = selectors.job_status(job_id=job_id, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("home")
    return render(request, "core/job.html", {"job": status, "status_url": reverse("job_status", args=[job_id]),
                                             "result_url": request.GET.get("next", "")})


def job_status(request, job_id):
    try:
        data = selectors.job_status(job_id=job_id, user=request.user)
    except ApplicationError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    data["result_url"] = request.GET.get("next") or ""
    if data["status"] not in ("SUCCESSFUL", "FAILED"):
        data["result_url"] = ""
    return JsonResponse(data)


def audit(request):
    try:
        events = selectors.audit_events(user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("home")
    return render(request, "core/audit.html", {"events": events, "nav_section": "audit"})
