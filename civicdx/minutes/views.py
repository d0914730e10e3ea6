"""AI議事録 pages: the list with the upload form, a meeting (progress, then the editor), exports, audio for the
player, 単語登録, enrolled voices and the centre's settings. JSON endpoints serve the editor's script."""

from __future__ import annotations

import json
import os
import re

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from civicdx.core import selectors as core_selectors
from civicdx.core.errors import ApplicationError, NotFoundError
from civicdx.core.permissions import is_dx_office
from civicdx.digilab.views import _city  # the city of the user (and the デジラボ catalogue ensured)
from civicdx.minutes import formats, selectors, services
from civicdx.minutes.models import Meeting
from civicdx.minutes.permissions import can_edit_division
from civicdx.survey.views import _quote, handles_errors, json_errors


def _ctx(request, tab: str, **extra):
    return {"nav_section": "minutes", "tab": tab, "is_centre": is_dx_office(request.user), **extra}


@handles_errors
def meeting_list(request):
    municipality = _city(request)
    status = request.GET.get("status", "")
    meetings = selectors.meetings_for(user=request.user, municipality=municipality, status=status)
    divisions = core_selectors.divisions_for(user=request.user, municipality=municipality)
    return render(request, "minutes/list.html", _ctx(
        request, "list", meetings=meetings[:300], statuses=Meeting.Status.choices, status=status, divisions=divisions,
        own_division=request.user.org_unit_id, max_upload=settings.CIVICDX_MINUTES_MAX_UPLOAD_BYTES))


@json_errors
@require_POST
def meeting_new(request):
    """Upload (the page sends it with XMLHttpRequest to show an upload progress bar); answers the meeting's URL."""
    municipality = _city(request)
    unit = core_selectors.unit_get(municipality_id=municipality.pk, unit_id=request.POST["division"]) if request.POST.get("division") else None
    meeting = services.meeting_create(actor=request.user, data=request.POST, upload=request.FILES.get("audio"), org_unit=unit)
    return JsonResponse({"id": meeting.pk, "url": reverse("minutes:meeting", args=[meeting.pk])}, status=201)


@handles_errors
def meeting_page(request, meeting_id: int):
    meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    can_edit = can_edit_division(request.user, meeting.division)
    ctx = _ctx(request, "list", meeting=meeting, can_edit=can_edit)
    if meeting.status in (Meeting.Status.QUEUED, Meeting.Status.RUNNING):
        job = core_selectors.job_status(job_id=meeting.job_id) if meeting.job_id else None
        return render(request, "minutes/progress.html", {**ctx, "job": job})
    return render(request, "minutes/meeting.html", {
        **ctx, "lines": selectors.editor_lines(meeting), "speakers": selectors.speaker_shares(meeting),
        "editable": can_edit and meeting.status == Meeting.Status.REVIEW,
        "corrections": meeting.transcript.get("corrections", []),
        "editing_minutes": meeting.editing_seconds / 60, "audio_minutes": meeting.duration_s / 60})


@json_errors
def meeting_status(request, meeting_id: int):
    meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    return JsonResponse(core_selectors.work_status(meeting, key="meeting_status",
                                                   result_url=reverse("minutes:meeting", args=[meeting.pk])))


_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def meeting_audio(request, meeting_id: int):
    """The playback copy, with HTTP Range support so the player can jump to any line."""
    try:
        meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    except NotFoundError:
        return HttpResponse(status=404)
    if not meeting.has_audio:
        return HttpResponse("音声は削除されました。", status=404)
    path = meeting.playback.path
    size = os.path.getsize(path)
    match = _RANGE.match(request.headers.get("Range", ""))
    if not match:
        response = FileResponse(open(path, "rb"), content_type="audio/ogg")
        response["Accept-Ranges"] = "bytes"
        return response
    start = int(match.group(1) or 0)
    end = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
    if start >= size or start > end:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response

    def chunks():
        with open(path, "rb") as f:
            f.seek(start)
            left = end - start + 1
            while left > 0:
                data = f.read(min(65536, left))
                if not data:
                    break
                left -= len(data)
                yield data

    response = StreamingHttpResponse(chunks(), status=206, content_type="audio/ogg")
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    return response


def _body(request) -> dict:
    if request.content_type == "application/json":
        try:
            return json.loads(request.body or b"{}")
        except ValueError:
            raise ApplicationError("json_invalid", "送信内容（JSON）が読めません。") from None
    return request.POST


@json_errors
@require_POST
def segment_save(request, meeting_id: int, seg_id: int):
    meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    data = _body(request)
    seg = services.segment_update(actor=request.user, meeting=meeting, seg_id=seg_id, text=data.get("text"),
                                  speaker=data.get("speaker"))
    if data.get("seconds"):
        services.editing_time_add(actor=request.user, meeting=meeting, seconds=data["seconds"])
    meeting.refresh_from_db()
    return JsonResponse({"segment": {k: seg[k] for k in ("id", "text", "speaker")}, "speakers": meeting.transcript["speakers"]})


@json_errors
@require_POST
def editing_time(request, meeting_id: int):
    meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    total = services.editing_time_add(actor=request.user, meeting=meeting, seconds=_body(request).get("seconds"))
    return JsonResponse({"editing_seconds": total})


@handles_errors
@require_POST
def meeting_action(request, meeting_id: int, action: str):
    """The page's buttons: header, rename, merge, finish, reopen, cancel, retranscribe, delete."""
    meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    here = redirect("minutes:meeting", meeting.pk)
    try:
        if action == "header":
            services.meeting_update(actor=request.user, meeting=meeting, data=request.POST)
            messages.success(request, "会議の情報を保存しました。")
        elif action == "rename":
            services.speaker_rename(actor=request.user, meeting=meeting, label=request.POST.get("label", ""),
                                    name=request.POST.get("name", ""))
        elif action == "merge":
            moved = services.speakers_merge(actor=request.user, meeting=meeting, source=request.POST.get("source", ""),
                                            target=request.POST.get("target", ""))
            messages.success(request, f"話者を統合しました（{moved}発言）。")
        elif action == "finish":
            meeting = services.meeting_finish(actor=request.user, meeting=meeting)
            saved = meeting.ledger_entry.net_hours if meeting.ledger_entry else 0
            messages.success(request, f"議事録を完成にしました。実績台帳に削減時間 {saved:.1f} 時間を記録しました。")
        elif action == "reopen":
            services.meeting_reopen(actor=request.user, meeting=meeting, reason=request.POST.get("reason", ""))
            messages.success(request, "編集に戻しました。実績台帳の記録は取り消しました。")
        elif action == "cancel":
            services.meeting_cancel(actor=request.user, meeting=meeting)
            messages.success(request, "認識を中止しました。")
        elif action == "retranscribe":
            services.meeting_retranscribe(actor=request.user, meeting=meeting, data=request.POST)
        elif action == "delete":
            services.meeting_delete(actor=request.user, meeting=meeting)
            messages.success(request, "議事録を削除しました。")
            return redirect("minutes:list")
        else:
            raise NotFoundError()
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    return here


# format → (content type, writer(transcript, meta, clean))
EXPORTS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             lambda data, meta, clean: formats.to_docx(data, meta, clean=clean)),
    "txt": ("text/plain; charset=utf-8", lambda data, meta, clean: formats.to_text(data, meta, clean=clean)),
    "srt": ("application/x-subrip; charset=utf-8", lambda data, meta, clean: formats.to_srt(data, clean=clean)),
    "vtt": ("text/vtt; charset=utf-8", lambda data, meta, clean: formats.to_vtt(data, clean=clean)),
    "json": ("application/json; charset=utf-8", lambda data, meta, clean: formats.to_json(data, meta)),
}


@handles_errors
def meeting_export(request, meeting_id: int, fmt: str):
    meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    if fmt not in EXPORTS or not meeting.transcript.get("segments"):
        raise NotFoundError("書き出せる議事録がありません。")
    content_type, writer = EXPORTS[fmt]
    body = writer(meeting.transcript, selectors.meta_of(meeting), request.GET.get("level") != "raw")
    services.export_audited(actor=request.user, meeting=meeting, fmt=fmt)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(meeting.title)}.{fmt}"
    return response


def _division_choice(request, municipality, divisions):
    raw = request.POST.get("division", request.GET.get("division", ""))
    if raw in ("", "city"):
        return None
    unit = next((d for d in divisions if str(d.pk) == raw), None)
    if unit is None:
        raise ApplicationError("division_unknown", "選んだ課が見つからないか、見る権限がありません。")
    return unit


@handles_errors
def vocabulary(request):
    municipality = _city(request)
    divisions = core_selectors.divisions_for(user=request.user, municipality=municipality, editable=False)
    default = "" if is_dx_office(request.user) or not divisions else str(divisions[0].pk)
    if "division" not in request.GET and request.method == "GET" and default:
        return redirect(f"{reverse('minutes:vocabulary')}?division={default}")
    division = _division_choice(request, municipality, divisions)
    text, problems = None, []
    if request.method == "POST":
        text = request.POST.get("text", "")
        try:
            count = services.vocabulary_save(actor=request.user, municipality=municipality, division=division, text=text)
            messages.success(request, f"単語登録を保存しました（{count}語）。")
            return redirect(f"{reverse('minutes:vocabulary')}?division={division.pk if division else 'city'}")
        except ApplicationError as exc:
            if exc.status == 403:
                raise
            messages.error(request, exc.message)
            problems = exc.details or []
    if text is None:
        text = selectors.vocabulary_text(municipality=municipality, division=division)
    can_edit = is_dx_office(request.user) if division is None else can_edit_division(request.user, division)
    return render(request, "minutes/vocabulary.html", _ctx(
        request, "vocabulary", divisions=divisions, division=division, text=text, problems=problems, can_edit=can_edit,
        city_text=selectors.vocabulary_text(municipality=municipality, division=None) if division else ""))


@handles_errors
def voices(request):
    municipality = _city(request)
    divisions = core_selectors.divisions_for(user=request.user, municipality=municipality)
    if request.method == "POST":
        try:
            if request.POST.get("delete"):
                voice = selectors.voice_get(user=request.user, voice_id=request.POST["delete"])
                services.voice_delete(actor=request.user, voice=voice)
                messages.success(request, "声の登録を削除しました。")
            else:
                division = _division_choice(request, municipality, divisions)
                if division is None:
                    raise ApplicationError("division_required", "課を選んでください。")
                voice = services.voice_enrol(actor=request.user, division=division, name=request.POST.get("name", ""),
                                             upload=request.FILES.get("sample"))
                messages.success(request, f"{voice.name}さんの声を登録しました（{voice.sample_seconds:.0f}秒）。")
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, exc.message)
        return redirect("minutes:voices")
    return render(request, "minutes/voices.html", _ctx(
        request, "voices", voices=selectors.voices_for(user=request.user, municipality=municipality), divisions=divisions))


@handles_errors
def settings_page(request):
    municipality = _city(request)
    conf = services.minutes_settings(municipality)
    if request.method == "POST":
        try:
            services.minutes_settings_save(actor=request.user, municipality=municipality,
                                           fillers_text=request.POST.get("fillers", ""),
                                           retention_days=request.POST.get("retention_days", ""))
            messages.success(request, "設定を保存しました。")
            return redirect("minutes:settings")
        except ApplicationError as exc:
            if exc.status == 403:
                raise
            messages.error(request, exc.message)
    return render(request, "minutes/settings.html", _ctx(request, "settings", conf=conf,
                                                         model_dir=settings.CIVICDX_ASR_MODEL_DIR))

