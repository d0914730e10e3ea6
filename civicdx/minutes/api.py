"""REST endpoints of AI議事録: file a recording, follow it, read the transcript and the minutes (token or session)."""

from __future__ import annotations

from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from civicdx.core import selectors as core_selectors
from civicdx.minutes import formats, selectors, services
from civicdx.minutes.models import Meeting

router = Router(tags=["AI議事録"])


def _meeting_json(m: Meeting, *, transcript: bool = False) -> dict:
    data = {"id": m.pk, "title": m.title, "division": m.division.path, "status": m.status,
            "status_label": m.get_status_display(), "held_at": m.held_at.isoformat() if m.held_at else None,
            "place": m.place, "attendees": m.lines("attendees"), "agenda": m.lines("agenda"),
            "duration_s": m.duration_s, "model": m.model_name, "rtf": m.rtf, "editing_seconds": m.editing_seconds,
            "audio_deleted": m.audio_deleted_at is not None, "created_at": m.created_at.isoformat(),
            "finished_at": m.finished_at.isoformat() if m.finished_at else None,
            "ledger_entry_id": m.ledger_entry_id}
    if transcript:
        data["transcript"] = m.transcript
        data["text"] = formats.to_text(m.transcript, selectors.meta_of(m)) if m.transcript.get("segments") else ""
    return data


class MeetingIn(Schema):
    title: str
    held_at: str = ""
    place: str = ""
    attendees: str = ""
    agenda: str = ""
    division_id: int | None = None
    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None


@router.get("/minutes/meetings", summary="議事録の一覧（自分の課の分。デジラボは全庁）")
def list_meetings(request, status: str = ""):
    from civicdx.digilab.api import _city

    return [_meeting_json(m) for m in selectors.meetings_for(user=request.user, municipality=_city(request.user),
                                                              status=status)[:500]]


@router.post("/minutes/meetings", summary="録音をアップロードして文字起こしを依頼する（multipart/form-data）", response={201: dict})
def create_meeting(request, payload: Form[MeetingIn], audio: File[UploadedFile]):
    unit = core_selectors.unit_get(municipality_id=request.user.municipality_id, unit_id=payload.division_id) if payload.division_id else None
    meeting = services.meeting_create(actor=request.user, data=payload.dict(), upload=audio, org_unit=unit)
    return 201, _meeting_json(meeting)


@router.get("/minutes/meetings/{meeting_id}", summary="議事録（進み具合、発言・話者・時刻・素起こし・ケバ取り）")
def get_meeting(request, meeting_id: int):
    meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    data = _meeting_json(meeting, transcript=meeting.status in (Meeting.Status.REVIEW, Meeting.Status.FINISHED))
    if meeting.job_id and meeting.status in (Meeting.Status.QUEUED, Meeting.Status.RUNNING):
        job = core_selectors.job_status(job_id=meeting.job_id)
        data["progress"] = {"done": job["progress"], "total": job["total"], "message": job["message"]}
    return data
