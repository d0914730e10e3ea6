"""Reads of the AI議事録 part, scoped to what the user may see."""

from __future__ import annotations

from civicdx.core.errors import NotFoundError
from civicdx.core.models import Municipality, OrgUnit, User
from civicdx.core.permissions import is_dx_office
from civicdx.core.selectors import division_scope_q
from civicdx.minutes import formats
from civicdx.minutes.models import Meeting, VocabularyEntry, Voice
from civicdx.minutes.permissions import can_view_division, check_view
from civicdx.minutes.transcript import LOW_CONFIDENCE


def meetings_for(*, user: User, municipality: Municipality, status: str = ""):
    qs = Meeting.objects.filter(municipality=municipality).select_related("division", "created_by", "job")
    if not is_dx_office(user):
        qs = qs.filter(division_scope_q(user))
    if status:
        qs = qs.filter(status=status)
    return qs


def meeting_get(*, user: User, meeting_id: int) -> Meeting:
    meeting = Meeting.objects.select_related("division", "municipality", "created_by", "ledger_entry").filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFoundError("議事録が見つかりません。")
    check_view(user, meeting)
    return meeting


def voice_get(*, user: User, voice_id) -> Voice:
    voice = Voice.objects.filter(pk=voice_id).select_related("division").first() if str(voice_id).isdigit() else None
    if voice is None or not can_view_division(user, voice.division):
        raise NotFoundError("登録された声が見つかりません。")
    return voice


def vocabulary_text(*, municipality: Municipality, division: OrgUnit | None) -> str:
    rows = VocabularyEntry.objects.filter(municipality=municipality, division=division)
    return "\n".join(f"{r.notation} {r.reading}" for r in rows)


def voices_for(*, user: User, municipality: Municipality):
    return [v for v in Voice.objects.filter(municipality=municipality).select_related("division")
            if can_view_division(user, v.division)]


def meta_of(meeting: Meeting) -> formats.Meta:
    held = meeting.held_at
    if held is not None:
        from django.utils import timezone

        held = timezone.localtime(held)
    return formats.Meta(title=meeting.title, held=held.strftime("%Y年%m月%d日 %H:%M") if held else "",
                        place=meeting.place, attendees=meeting.lines("attendees"), agenda=meeting.lines("agenda"))


def speaker_shares(meeting: Meeting) -> list[dict]:
    """Each speaker's lines and speaking time, with the share of all speech (for the bars beside the names)."""
    names = meeting.transcript.get("speakers", {})
    lines = {k: 0 for k in names}
    seconds = {k: 0.0 for k in names}
    for seg in meeting.transcript.get("segments", []):
        lines[seg["speaker"]] = lines.get(seg["speaker"], 0) + 1
        seconds[seg["speaker"]] = seconds.get(seg["speaker"], 0.0) + max(0.0, seg["end"] - seg["start"])
    total = sum(seconds.values()) or 1.0
    return [{"label": k, "name": name, "lines": lines.get(k, 0), "clock": formats.short_clock(seconds.get(k, 0)),
             "pct": round(100 * seconds.get(k, 0) / total, 1)} for k, name in names.items()]


def editor_lines(meeting: Meeting) -> list[dict]:
    """Segments for the editor: time label, speaker name, and the words with low confidence marked."""
    names = meeting.transcript.get("speakers", {})
    out = []
    for seg in meeting.transcript.get("segments", []):
        words = [] if seg.get("edited") else [
            {"text": w["text"], "low": w["p"] < LOW_CONFIDENCE, "start": w["start"]} for w in seg["words"] if w["text"]]
        out.append({**seg, "name": names.get(seg["speaker"], seg["speaker"]), "clock": formats.short_clock(seg["start"]),
                    "words": words, "low": seg["confidence"] < LOW_CONFIDENCE})
    return out
