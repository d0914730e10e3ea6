"""Writes of the AI議事録 part: meetings from upload to finished minutes, 単語登録, voices, settings, retention.

Transcription runs as a background job (``tasks.transcribe_task``) through ``meeting_transcribe``; every other
function acts for a user, checks permission first and writes an audit event.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from civicdx.core.errors import ApplicationError, PermissionDeniedError
from civicdx.core.models import Job, Municipality, OrgUnit, User
from civicdx.core.permissions import check_dx, is_dx_office
from civicdx.core.services import JobProgress, audit_record, job_create
from civicdx.minutes import audio, fillers, speakers, transcript, vocab
from civicdx.minutes.asr import Recognizer, install_base_model
from civicdx.minutes.models import Meeting, MinutesSettings, VocabularyEntry, Voice
from civicdx.minutes.permissions import can_edit_division, check_edit, check_vocabulary

AUDIO_EXTENSIONS = {".wav", ".mp3", ".m4a", ".aac", ".wma", ".ogg", ".opus", ".flac", ".webm", ".mp4", ".mov",
                    ".3gp", ".amr", ".aiff", ".aif"}
MAX_EDIT_INCREMENT_S = 120  # one report of editing time covers at most two minutes of work


def _audit(actor, action: str, meeting: Meeting, changes: dict | None = None) -> None:
    audit_record(actor=actor if actor is not None and actor.pk else None, action=action, obj=meeting,
                 municipality=meeting.municipality, changes=changes)


# ---------------------------------------------------------------------------------------------------------------
# Settings and 単語登録
# ---------------------------------------------------------------------------------------------------------------

def minutes_settings(municipality: Municipality) -> MinutesSettings:
    return MinutesSettings.objects.get_or_create(municipality=municipality)[0]


def minutes_settings_save(*, actor: User, municipality: Municipality, fillers_text: str, retention_days) -> MinutesSettings:
    check_dx(actor)
    try:
        days = int(str(retention_days).strip())
    except ValueError:
        raise ApplicationError("retention_invalid", f"音声の保存日数「{retention_days}」は整数で入力してください。") from None
    if not 1 <= days <= 3650:
        raise ApplicationError("retention_invalid", "音声の保存日数は1日から3650日の間で入力してください。")
    rules = fillers.Rules.parse(fillers_text)
    if not rules.anywhere and not rules.standalone:
        raise ApplicationError("fillers_empty", "ケバ取りの語が1つもありません。除く語を1行に1語で入力してください。")
    conf = minutes_settings(municipality)
    changes = {"retention_days": [conf.retention_days, days]} if conf.retention_days != days else {}
    if conf.fillers != fillers_text:
        changes["fillers"] = "ケバ取りの語を変更"
    conf.fillers, conf.retention_days = fillers_text, days
    conf.save()
    audit_record(actor=actor, action="minutes.settings", obj=conf, municipality=municipality, changes=changes)
    return conf


@transaction.atomic
def vocabulary_save(*, actor: User, municipality: Municipality, division: OrgUnit | None, text: str) -> int:
    """Replace the words of one dictionary (the city's, or a 課's) with the lines of ``text``."""
    check_vocabulary(actor, division)
    try:
        entries = vocab.parse(text)
    except vocab.VocabularyError as exc:
        raise ApplicationError("vocabulary_invalid", "単語登録に誤りがあります。該当の行を直してください。",
                               details=[f"{line}行目: {msg}" for line, msg in exc.problems]) from None
    scope = VocabularyEntry.objects.filter(municipality=municipality, division=division)
    before = scope.count()
    scope.delete()
    VocabularyEntry.objects.bulk_create([
        VocabularyEntry(municipality=municipality, division=division, notation=e.notation, reading=e.reading,
                        created_by=actor if actor.pk else None) for e in entries])
    audit_record(actor=actor, action="minutes.vocabulary", object_type="minutes.VocabularyEntry",
                 municipality=municipality, changes={"dictionary": division.path if division else "全庁",
                                                     "entries": [before, len(entries)]})
    return len(entries)


def vocabulary_for(municipality_id: int, division_id: int | None) -> list[vocab.Entry]:
    """The 課's words first (they go into the recogniser's hint before the city's), then the city's; a 課 entry
    with the same spelling wins."""
    rows = VocabularyEntry.objects.filter(Q(division__isnull=True) | Q(division_id=division_id),
                                         municipality_id=municipality_id).order_by(F("division_id").asc(nulls_last=True), "id")
    merged: dict[str, vocab.Entry] = {}
    for r in rows:
        merged.setdefault(r.notation, vocab.Entry(r.notation, r.reading))
    return list(merged.values())


# ---------------------------------------------------------------------------------------------------------------
# Voices (enrolment)
# ---------------------------------------------------------------------------------------------------------------

def _embed_sample(upload) -> tuple[np.ndarray, float]:
    with tempfile.TemporaryDirectory(prefix="civicdx-voice-") as tmp:
        src = Path(tmp) / ("sample" + Path(upload.name).suffix.lower())
        with open(src, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        pcm_path = Path(tmp) / "sample.s16"
        try:
            n = audio.decode(src, pcm_path)
        except audio.AudioError as exc:
            raise ApplicationError("audio_invalid", str(exc).replace("sample", upload.name)) from None
        seconds = n / audio.SAMPLE_RATE
        if seconds < 10:
            raise ApplicationError("voice_short", f"声の見本が短すぎます（{seconds:.0f}秒）。30秒から60秒ほど読み上げた録音を使ってください。")
        wav = audio.to_float(audio.open_pcm(pcm_path)[: 120 * audio.SAMPLE_RATE])
        return speakers.default_encoder().embed_speaker(wav), seconds


def voice_enrol(*, actor: User, division: OrgUnit, name: str, upload) -> Voice:
    if not can_edit_division(actor, division):
        raise PermissionDeniedError("この課の声の登録を行う権限がありません。")
    name = name.strip()
    if not name:
        raise ApplicationError("voice_name", "氏名を入力してください。")
    vector, seconds = _embed_sample(upload)
    voice = Voice.objects.create(municipality_id=division.municipality_id, division=division, name=name[:60],
                                 embedding=vector.astype(np.float32).tobytes(), sample_seconds=seconds, created_by=actor)
    audit_record(actor=actor, action="minutes.voice.enrol", obj=voice, municipality=division.municipality,
                 changes={"name": name, "seconds": round(seconds, 1)})
    return voice


def voice_delete(*, actor: User, voice: Voice) -> None:
    if not can_edit_division(actor, voice.division):
        raise PermissionDeniedError("この声の登録を削除する権限がありません。")
    audit_record(actor=actor, action="minutes.voice.delete", obj=voice, municipality=voice.division.municipality,
                 changes={"name": voice.name})
    voice.delete()


# ---------------------------------------------------------------------------------------------------------------
# Meetings: create, transcribe, cancel
# ---------------------------------------------------------------------------------------------------------------

def _speaker_options(num, min_n, max_n) -> tuple[int | None, int, int]:
    def number(value, label):
        if value in (None, ""):
            return None
        try:
            n = int(str(value).strip())
        except ValueError:
            raise ApplicationError("speakers_invalid", f"{label}「{value}」は整数で入力してください。") from None
        if not 1 <= n <= 20:
            raise ApplicationError("speakers_invalid", f"{label}は1から20の間で入力してください。")
        return n

    num, lo, hi = number(num, "話者数"), number(min_n, "最少話者数") or 1, number(max_n, "最多話者数") or 8
    if lo > hi:
        raise ApplicationError("speakers_invalid", f"最少話者数（{lo}）が最多話者数（{hi}）より多くなっています。")
    return num, lo, hi


def _header(data: dict) -> dict:
    title = (data.get("title") or "").strip()
    if not title:
        raise ApplicationError("title_required", "会議名を入力してください。")
    held = data.get("held_at")
    if isinstance(held, str):
        held = held.strip()
        if held:
            try:
                held = dt.datetime.fromisoformat(held)
            except ValueError:
                raise ApplicationError("held_invalid", f"日時「{held}」は読めません（例: 2026-04-01T10:00）。") from None
        else:
            held = None
    if held is not None and timezone.is_naive(held):
        held = timezone.make_aware(held)
    return {"title": title[:200], "held_at": held, "place": (data.get("place") or "").strip()[:200],
            "attendees": (data.get("attendees") or "").strip()[:5000], "agenda": (data.get("agenda") or "").strip()[:5000]}


def meeting_create(*, actor: User, data: dict, upload, org_unit: OrgUnit | None = None) -> Meeting:
    """Store the recording and queue its transcription. ``org_unit`` defaults to the user's own unit; the centre
    may file for any 課."""
    from civicdx.digilab.services import department_of

    unit = org_unit or actor.org_unit
    if unit is None:
        raise ApplicationError("unit_required", "依頼する所属（課）を選んでください。")
    division = department_of(unit)
    if not can_edit_division(actor, division):
        raise PermissionDeniedError("この所属の議事録を依頼する権限がありません。")
    if upload is None:
        raise ApplicationError("audio_required", "録音ファイルを選んでください。")
    name = Path(upload.name).name
    if Path(name).suffix.lower() not in AUDIO_EXTENSIONS:
        raise ApplicationError("audio_type", f"「{name}」は対応していない形式です。wav、mp3、m4a、wma、mp4 などの録音・録画を選んでください。")
    if upload.size > settings.CIVICDX_MINUTES_MAX_UPLOAD_BYTES:
        raise ApplicationError("audio_too_large", f"「{name}」は大きすぎます（{upload.size / 1024 ** 3:.1f} GB）。"
                               f"{settings.CIVICDX_MINUTES_MAX_UPLOAD_BYTES / 1024 ** 3:.0f} GB までにしてください。", status=413)
    fields = _header(data)
    num, lo, hi = _speaker_options(data.get("num_speakers"), data.get("min_speakers"), data.get("max_speakers"))
    with transaction.atomic():
        meeting = Meeting.objects.create(municipality_id=division.municipality_id, org_unit=unit, division=division,
                                         created_by=actor, num_speakers=num, min_speakers=lo, max_speakers=hi,
                                         audio_name=name[:255], audio_size=upload.size, **fields)
        meeting.audio.save(f"original{Path(name).suffix.lower()}", upload, save=False)
        try:
            meeting.duration_s = audio.probe(meeting.audio.path)
        except audio.AudioError as exc:
            meeting.audio.delete(save=False)
            raise ApplicationError("audio_invalid", str(exc).replace("original", Path(name).stem, 1)) from None
        job = job_create(kind="minutes.transcribe", title=f"議事録: {meeting.title}", actor=actor,
                         municipality=meeting.municipality, params={"meeting": meeting.pk})
        meeting.job = job
        meeting.save()
        _audit(actor, "minutes.create", meeting, {"title": meeting.title, "file": name, "size": upload.size,
                                                  "duration_s": round(meeting.duration_s, 1)})
    _enqueue(meeting)
    return meeting


def _enqueue(meeting: Meeting) -> None:
    from civicdx.minutes.tasks import transcribe_task

    transcribe_task.enqueue(meeting_id=meeting.pk, job_id=str(meeting.job_id))


def meeting_retranscribe(*, actor: User, meeting: Meeting, data: dict) -> Meeting:
    """Run recognition again (other speaker counts, a new dictionary); the edited transcript is replaced."""
    check_edit(actor, meeting)
    if meeting.status in (Meeting.Status.QUEUED, Meeting.Status.RUNNING):
        raise ApplicationError("minutes_busy", "認識中です。終わってから実行してください。")
    if meeting.status == Meeting.Status.FINISHED:
        raise ApplicationError("minutes_finished", "完成した議事録は再認識できません。先に「編集に戻す」を行ってください。")
    if not meeting.has_audio and not meeting.audio:
        raise ApplicationError("audio_deleted", "音声は保存期間を過ぎて削除されたため、再認識できません。")
    num, lo, hi = _speaker_options(data.get("num_speakers"), data.get("min_speakers"), data.get("max_speakers"))
    with transaction.atomic():
        meeting.num_speakers, meeting.min_speakers, meeting.max_speakers = num, lo, hi
        meeting.job = job_create(kind="minutes.transcribe", title=f"議事録: {meeting.title}", actor=actor,
                                 municipality=meeting.municipality, params={"meeting": meeting.pk})
        meeting.status, meeting.cancel_requested, meeting.error = Meeting.Status.QUEUED, False, ""
        meeting.save()
        _audit(actor, "minutes.retranscribe", meeting, {"speakers": [num, lo, hi]})
    _enqueue(meeting)
    return meeting


def meeting_cancel(*, actor: User, meeting: Meeting) -> None:
    check_edit(actor, meeting)
    if meeting.status not in (Meeting.Status.QUEUED, Meeting.Status.RUNNING):
        raise ApplicationError("minutes_not_running", "認識中ではないため中止できません。")
    Meeting.objects.filter(pk=meeting.pk).update(cancel_requested=True)
    if meeting.status == Meeting.Status.QUEUED:
        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
        if meeting.job_id:
            Job.objects.filter(pk=meeting.job_id).update(status=Job.Status.FAILED, message="中止しました。",
                                                         finished_at=timezone.now())
    _audit(actor, "minutes.cancel", meeting)


@lru_cache(maxsize=2)
def recognizer(model_dir: str, beam_size: int, cpu_threads: int) -> Recognizer:
    """One loaded model per worker process (several workers each load their own)."""
    if Path(model_dir) == Path(settings.CIVICDX_ASR_MODEL_DIR) and not (Path(model_dir) / "model.bin").exists():
        install_base_model(model_dir)
    return Recognizer(model_dir, beam_size=beam_size, cpu_threads=cpu_threads)


def default_recognizer() -> Recognizer:
    return recognizer(str(settings.CIVICDX_ASR_MODEL_DIR), settings.CIVICDX_ASR_BEAM_SIZE, settings.CIVICDX_ASR_CPU_THREADS)


def _playback_copy(src: str, dst: Path) -> None:
    """A small Ogg Opus copy for the editor's player (browsers do not play wma or some m4a)."""
    proc = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", src, "-vn", "-ac", "1", "-ar", "16000",
                           "-c:a", "libopus", "-b:a", "24k", str(dst)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise audio.AudioError(f"再生用の音声を作れません（{proc.stderr.strip()[-200:]}）。")


def meeting_transcribe(*, meeting_id: int, progress: JobProgress | None = None) -> Meeting:
    """The job: recognise, diarize, correct with the dictionaries, remove fillers; keep a playback copy and
    drop the original upload."""
    meeting = Meeting.objects.select_related("municipality").get(pk=meeting_id)
    if meeting.cancel_requested or meeting.status == Meeting.Status.CANCELLED:
        return meeting
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.RUNNING, error="")
    checked = {"at": 0.0, "value": False}

    def is_cancelled() -> bool:
        now = time.monotonic()
        if now - checked["at"] > 2:
            checked["at"], checked["value"] = now, Meeting.objects.filter(pk=meeting_id, cancel_requested=True).exists()
        return checked["value"]

    source = meeting.audio.path if meeting.audio else meeting.playback.path
    conf = minutes_settings(meeting.municipality)
    enrolled = {v.name: v.vector() for v in Voice.objects.filter(division_id=meeting.division_id)}
    try:
        result = transcript.transcribe_file(
            source, recognizer=default_recognizer(), entries=vocabulary_for(meeting.municipality_id, meeting.division_id),
            rules=fillers.Rules.parse(conf.fillers), num_speakers=meeting.num_speakers,
            min_speakers=meeting.min_speakers, max_speakers=meeting.max_speakers, enrolled=enrolled,
            progress=progress, is_cancelled=is_cancelled)
        if not meeting.playback:
            with tempfile.TemporaryDirectory(prefix="civicdx-play-") as tmp:
                out = Path(tmp) / "playback.ogg"
                _playback_copy(source, out)
                with open(out, "rb") as f:
                    meeting.playback.save("playback.ogg", File(f), save=False)
    except transcript.Cancelled:
        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
        _audit(None, "minutes.cancelled", meeting)
        return meeting
    except audio.AudioError as exc:
        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.FAILED, error=str(exc)[:500])
        raise ApplicationError("audio_invalid", str(exc)) from None
    except Exception as exc:
        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.FAILED, error=f"認識に失敗しました: {exc}"[:500])
        raise
    original = meeting.audio.name if meeting.audio else ""
    meeting.transcript, meeting.model_name, meeting.rtf = result, result["model"], result["rtf"]
    meeting.duration_s = result["duration_s"]
    meeting.status = Meeting.Status.REVIEW
    if original:
        meeting.audio.delete(save=False)
    meeting.save()
    _audit(None, "minutes.transcribed", meeting, {"segments": len(result["segments"]), "speakers": len(result["speakers"]),
                                                  "corrections": len(result["corrections"]), "rtf": result["rtf"]})
    return meeting


# ---------------------------------------------------------------------------------------------------------------
# Editing
# ---------------------------------------------------------------------------------------------------------------

def _editable(actor: User, meeting_id: int) -> Meeting:
    meeting = Meeting.objects.select_for_update().select_related("division").get(pk=meeting_id)
    check_edit(actor, meeting)
    if meeting.status != Meeting.Status.REVIEW:
        raise ApplicationError("minutes_not_editable", f"この議事録は「{meeting.get_status_display()}」のため編集できません。")
    return meeting


def _segment(meeting: Meeting, seg_id: int) -> dict:
    for seg in meeting.transcript.get("segments", []):
        if seg["id"] == seg_id:
            return seg
    raise ApplicationError("segment_unknown", f"発言 {seg_id} が見つかりません。", status=404)


@transaction.atomic
def meeting_update(*, actor: User, meeting: Meeting, data: dict) -> Meeting:
    """The 議事録 header: 会議名, 日時, 場所, 出席者, 議題."""
    meeting = _editable(actor, meeting.pk)
    fields = _header(data)
    changes = {k: [getattr(meeting, k), v] for k, v in fields.items() if getattr(meeting, k) != v}
    for k, v in fields.items():
        setattr(meeting, k, v)
    meeting.save()
    _audit(actor, "minutes.update", meeting, changes)
    return meeting


def _new_label(transcript_data: dict) -> str:
    used = {int(k[1:]) for k in transcript_data.get("speakers", {}) if k[1:].isdigit()}
    return f"S{max(used, default=0) + 1}"


@transaction.atomic
def segment_update(*, actor: User, meeting: Meeting, seg_id: int, text: str | None = None,
                   speaker: str | None = None) -> dict:
    """Change one line's text (the ケバ取り level) or its speaker (a label, or "new" for a new speaker)."""
    meeting = _editable(actor, meeting.pk)
    data = meeting.transcript
    seg = _segment(meeting, seg_id)
    changes = {}
    if text is not None:
        text = text.replace("\r", "").replace("\n", " ").strip()
        if len(text) > 5000:
            raise ApplicationError("segment_too_long", "1つの発言は5000文字までです。")
        if text != seg["text"]:
            changes["text"] = [seg["text"], text]
            seg["text"], seg["edited"] = text, True
    if speaker is not None and speaker != seg["speaker"]:
        if speaker == "new":
            speaker = _new_label(data)
            data["speakers"][speaker] = f"話者{speaker[1:]}"
        if speaker not in data["speakers"]:
            raise ApplicationError("speaker_unknown", f"話者「{speaker}」がいません。")
        changes["speaker"] = [seg["speaker"], speaker]
        seg["speaker"] = speaker
    if changes:
        meeting.save(update_fields=["transcript", "updated_at"])
        _audit(actor, "minutes.segment", meeting, {"segment": seg_id, **changes})
    return seg


@transaction.atomic
def speaker_rename(*, actor: User, meeting: Meeting, label: str, name: str) -> None:
    meeting = _editable(actor, meeting.pk)
    name = name.strip()[:60]
    if not name:
        raise ApplicationError("speaker_name", "話者名を入力してください。")
    names = meeting.transcript.get("speakers", {})
    if label not in names:
        raise ApplicationError("speaker_unknown", f"話者「{label}」がいません。")
    old, names[label] = names[label], name
    meeting.save(update_fields=["transcript", "updated_at"])
    _audit(actor, "minutes.speaker.rename", meeting, {"speaker": label, "name": [old, name]})


@transaction.atomic
def speakers_merge(*, actor: User, meeting: Meeting, source: str, target: str) -> int:
    """Merge an over-split speaker into another: every line of ``source`` becomes ``target``'s."""
    meeting = _editable(actor, meeting.pk)
    names = meeting.transcript.get("speakers", {})
    if source not in names or target not in names or source == target:
        raise ApplicationError("speaker_merge", "統合する話者を2人、別々に選んでください。")
    moved = 0
    for seg in meeting.transcript["segments"]:
        if seg["speaker"] == source:
            seg["speaker"] = target
            moved += 1
    removed = names.pop(source)
    meeting.save(update_fields=["transcript", "updated_at"])
    _audit(actor, "minutes.speaker.merge", meeting, {"from": removed, "into": names[target], "lines": moved})
    return moved


def export_audited(*, actor: User, meeting: Meeting, fmt: str) -> None:
    _audit(actor, "minutes.export", meeting, {"format": fmt})


def editing_time_add(*, actor: User, meeting: Meeting, seconds) -> float:
    """Add the active editing time the editor measured (capped per report, so a stale tab cannot inflate it)."""
    check_edit(actor, meeting)
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        raise ApplicationError("seconds_invalid", "編集時間が数値ではありません。") from None
    value = max(0.0, min(value, MAX_EDIT_INCREMENT_S))
    if meeting.status != Meeting.Status.REVIEW or value == 0:
        return meeting.editing_seconds
    Meeting.objects.filter(pk=meeting.pk).update(editing_seconds=F("editing_seconds") + value)
    meeting.refresh_from_db(fields=["editing_seconds"])
    return meeting.editing_seconds


# ---------------------------------------------------------------------------------------------------------------
# Finish, reopen, delete, retention
# ---------------------------------------------------------------------------------------------------------------

def _minutes_service(municipality: Municipality):
    from civicdx.digilab.models import Service
    from civicdx.digilab.services import services_ensure

    services_ensure(municipality=municipality)
    return Service.objects.filter(municipality=municipality, kind=Service.Kind.MINUTES, active=True).order_by("sort_order").first()


@transaction.atomic
def meeting_finish(*, actor: User, meeting: Meeting):
    """Minutes done: lock them and write the ledger entry (units = audio minutes, residual = editing time)."""
    from civicdx.digilab.models import LedgerEntry
    from civicdx.digilab.services import ledger_entry_create

    meeting = _editable(actor, meeting.pk)
    service = _minutes_service(meeting.municipality)
    entry = None
    if service is not None:
        entry = ledger_entry_create(
            actor=None, service=service, occurred_on=timezone.localdate(), units=round(meeting.duration_s / 60, 2),
            org_unit=meeting.division, residual_minutes=round(meeting.editing_seconds / 60, 2),
            source=LedgerEntry.Source.SERVICE, note=f"議事録「{meeting.title}」")
    meeting.status, meeting.finished_at, meeting.ledger_entry = Meeting.Status.FINISHED, timezone.now(), entry
    meeting.save()
    _audit(actor, "minutes.finish", meeting, {"audio_minutes": round(meeting.duration_s / 60, 1),
                                              "editing_minutes": round(meeting.editing_seconds / 60, 1),
                                              "net_hours": round(entry.net_hours, 2) if entry else None})
    return meeting


@transaction.atomic
def meeting_reopen(*, actor: User, meeting: Meeting, reason: str) -> Meeting:
    """Back to editing (the centre only); the ledger entry is cancelled and written again at the next finish."""
    from civicdx.digilab.services import ledger_entry_delete

    if not is_dx_office(actor):
        raise PermissionDeniedError("完成した議事録を編集に戻せるのはデジラボ（DX推進担当）だけです。")
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != Meeting.Status.FINISHED:
        raise ApplicationError("minutes_not_finished", "完成していない議事録です。")
    if not reason.strip():
        raise ApplicationError("reason_required", "編集に戻す理由を入力してください。")
    if meeting.ledger_entry is not None:
        ledger_entry_delete(actor=actor, entry=meeting.ledger_entry, reason=f"議事録を編集に戻す: {reason.strip()}")
    meeting.status, meeting.finished_at, meeting.ledger_entry = Meeting.Status.REVIEW, None, None
    meeting.save()
    _audit(actor, "minutes.reopen", meeting, {"reason": reason.strip()[:200]})
    return meeting


def _delete_files(meeting: Meeting) -> None:
    for f in (meeting.audio, meeting.playback):
        if f:
            f.delete(save=False)


@transaction.atomic
def meeting_delete(*, actor: User, meeting: Meeting) -> None:
    check_edit(actor, meeting)
    if meeting.status == Meeting.Status.FINISHED and not is_dx_office(actor):
        raise PermissionDeniedError("完成した議事録は削除できません（実績に計上済みです）。")
    if meeting.status in (Meeting.Status.QUEUED, Meeting.Status.RUNNING):
        raise ApplicationError("minutes_busy", "認識中の議事録は削除できません。先に中止してください。")
    _audit(actor, "minutes.delete", meeting, {"title": meeting.title})
    _delete_files(meeting)
    meeting.delete()


def audio_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the audio of meetings older than their city's retention period; transcripts stay."""
    now = now or timezone.now()
    count = 0
    for municipality in Municipality.objects.filter(pk__in=Meeting.objects.values("municipality_id")):
        conf = minutes_settings(municipality)
        cutoff = now - dt.timedelta(days=conf.retention_days)
        for meeting in Meeting.objects.filter(municipality_id=conf.municipality_id, created_at__lt=cutoff,
                                              audio_deleted_at__isnull=True).exclude(
                status__in=[Meeting.Status.QUEUED, Meeting.Status.RUNNING]):
            _delete_files(meeting)
            Meeting.objects.filter(pk=meeting.pk).update(audio_deleted_at=now, audio="", playback="")
            _audit(None, "minutes.audio.purge", meeting, {"retention_days": conf.retention_days})
            count += 1
    return count

