"""Meetings on a real database: scope, editing, finishing into the ledger, retention, dictionaries, the job."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from civicdx.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from civicdx.core.models import AuditEvent
from civicdx.digilab.models import LedgerEntry
from civicdx.minutes import selectors, services
from civicdx.minutes.models import Meeting
from tests.minutes.conftest import clip


def hand_transcript():
    def seg(i, start, speaker, text):
        return {"id": i, "start": start, "end": start + 3, "speaker": speaker, "raw_text": text, "text": text,
                "confidence": 0.9, "edited": False,
                "words": [{"raw": text, "text": text, "start": start, "end": start + 3, "p": 0.9}]}
    return {"duration_s": 600.0, "model": "whisper-base", "rtf": 0.2, "speakers": {"S1": "話者1", "S2": "話者2", "S3": "話者3"},
            "segments": [seg(1, 0, "S1", "開会します。"), seg(2, 4, "S2", "説明します。"), seg(3, 8, "S3", "以上です。")],
            "corrections": []}


@pytest.fixture
def meeting(lab):
    m = Meeting.objects.create(municipality=lab.municipality, org_unit=lab.units["A"], division=lab.units["div"],
                               created_by=lab.editor_a, title="人事課 定例会議", status=Meeting.Status.REVIEW,
                               duration_s=600.0, transcript=hand_transcript())
    m.playback.save("playback.ogg", ContentFile(b"OggS" + b"\0" * 100), save=True)
    return m


def test_a_division_and_its_sections_see_a_meeting_another_division_does_not(lab, meeting):
    for user in (lab.editor_a, lab.editor_b, lab.div_editor, lab.viewer, lab.dx):
        assert selectors.meeting_get(user=user, meeting_id=meeting.pk) == meeting
        assert meeting in selectors.meetings_for(user=user, municipality=lab.municipality)
    for user in (lab.editor_c, lab.div_editor_c):
        with pytest.raises(NotFoundError):
            selectors.meeting_get(user=user, meeting_id=meeting.pk)
        assert meeting not in selectors.meetings_for(user=user, municipality=lab.municipality)
        with pytest.raises(NotFoundError):
            services.segment_update(actor=user, meeting=meeting, seg_id=1, text="改ざん")
    with pytest.raises(PermissionDeniedError):
        services.segment_update(actor=lab.viewer, meeting=meeting, seg_id=1, text="閲覧者は編集できない")
    meeting.refresh_from_db()
    assert meeting.transcript["segments"][0]["text"] == "開会します。"


def test_editing_lines_speakers_and_merging(lab, meeting):
    seg = services.segment_update(actor=lab.editor_b, meeting=meeting, seg_id=2, text=" 歳出予算を\n説明します。 ")
    assert seg["text"] == "歳出予算を 説明します。" and seg["edited"]
    seg = services.segment_update(actor=lab.editor_b, meeting=meeting, seg_id=3, speaker="new")
    meeting.refresh_from_db()
    assert seg["speaker"] == "S4" and meeting.transcript["speakers"]["S4"] == "話者4"
    services.speaker_rename(actor=lab.editor_a, meeting=meeting, label="S1", name="委員長")
    moved = services.speakers_merge(actor=lab.editor_a, meeting=meeting, source="S4", target="S2")
    meeting.refresh_from_db()
    assert moved == 1
    assert meeting.transcript["speakers"] == {"S1": "委員長", "S2": "話者2", "S3": "話者3"}
    assert [s["speaker"] for s in meeting.transcript["segments"]] == ["S1", "S2", "S2"]
    with pytest.raises(ApplicationError):
        services.speakers_merge(actor=lab.editor_a, meeting=meeting, source="S2", target="S2")
    with pytest.raises(ApplicationError, match="発言 99"):
        services.segment_update(actor=lab.editor_a, meeting=meeting, seg_id=99, text="x")
    actions = set(AuditEvent.objects.filter(object_id=str(meeting.pk)).values_list("action", flat=True))
    assert {"minutes.segment", "minutes.speaker.rename", "minutes.speaker.merge"} <= actions


def test_finishing_writes_the_ledger_entry_with_editing_time(lab, meeting):
    assert services.editing_time_add(actor=lab.editor_a, meeting=meeting, seconds=100) == 100
    assert services.editing_time_add(actor=lab.editor_a, meeting=meeting, seconds=10_000) == 220  # capped per report
    services.meeting_finish(actor=lab.editor_a, meeting=meeting)
    meeting.refresh_from_db()
    entry = meeting.ledger_entry
    assert meeting.status == Meeting.Status.FINISHED and entry is not None
    service = lab.service("AI議事録")
    assert entry.service == service and entry.org_unit == lab.units["div"] and entry.source == LedgerEntry.Source.SERVICE
    assert entry.units == 10.0 and entry.residual_minutes == pytest.approx(220 / 60, abs=0.01)
    assert entry.net_hours == pytest.approx((10 * service.default_baseline_minutes - 220 / 60) / 60, abs=0.01)
    with pytest.raises(ApplicationError, match="完成"):
        services.segment_update(actor=lab.editor_a, meeting=meeting, seg_id=1, text="完成後は編集できない")
    with pytest.raises(PermissionDeniedError):
        services.meeting_reopen(actor=lab.div_editor, meeting=meeting, reason="修正")
    services.meeting_reopen(actor=lab.dx, meeting=meeting, reason="発言者の訂正")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.REVIEW and meeting.ledger_entry is None
    assert not LedgerEntry.objects.filter(pk=entry.pk).exists()
    assert AuditEvent.objects.filter(action="digilab.ledger.delete", object_id=str(entry.pk)).exists()


def test_audio_is_deleted_after_the_retention_period(lab, meeting):
    settings = services.minutes_settings(lab.municipality)
    services.minutes_settings_save(actor=lab.dx, municipality=lab.municipality, fillers_text=settings.fillers, retention_days=7)
    path = meeting.playback.path
    assert services.audio_purge(now=timezone.now() + dt.timedelta(days=6)) == 0
    assert services.audio_purge(now=timezone.now() + dt.timedelta(days=8)) == 1
    meeting.refresh_from_db()
    assert not meeting.has_audio and meeting.audio_deleted_at is not None
    assert not os.path.exists(path)
    assert meeting.transcript["segments"]  # the text stays
    assert AuditEvent.objects.filter(action="minutes.audio.purge", object_id=str(meeting.pk)).exists()
    with pytest.raises(PermissionDeniedError):
        services.minutes_settings_save(actor=lab.div_editor, municipality=lab.municipality, fillers_text="えー", retention_days=1)
    with pytest.raises(ApplicationError, match="1日から3650日"):
        services.minutes_settings_save(actor=lab.dx, municipality=lab.municipality, fillers_text="えー", retention_days=0)


def test_dictionaries_by_scope_with_line_errors(lab):
    div = lab.units["div"]
    with pytest.raises(PermissionDeniedError):
        services.vocabulary_save(actor=lab.div_editor, municipality=lab.municipality, division=None, text="歳出 さいしゅつ")
    with pytest.raises(PermissionDeniedError):
        services.vocabulary_save(actor=lab.div_editor_c, municipality=lab.municipality, division=div, text="人事 じんじ")
    services.vocabulary_save(actor=lab.dx, municipality=lab.municipality, division=None, text="歳出 さいしゅつ\n人事課 じんじか")
    assert services.vocabulary_save(actor=lab.editor_a, municipality=lab.municipality, division=div,
                                    text="# 人事課\n人事課 ジンジカ\n給与係 きゅうよかかり") == 2
    with pytest.raises(ApplicationError) as err:
        services.vocabulary_save(actor=lab.editor_a, municipality=lab.municipality, division=div, text="給与係\n俸給 ほうきゅう\nX y")
    assert err.value.details[0].startswith("1行目") and err.value.details[1].startswith("3行目")
    entries = services.vocabulary_for(lab.municipality.pk, div.pk)
    # the 課's words first (they lead the recogniser's hint); its 人事課 entry wins over the city's
    assert [(e.notation, e.reading) for e in entries] == [("人事課", "ジンジカ"), ("給与係", "キュウヨカカリ"), ("歳出", "サイシュツ")]
    assert [e.notation for e in services.vocabulary_for(lab.municipality.pk, lab.units["div_c"].pk)] == ["歳出", "人事課"]


def _upload(name="teirei.flac", data=None):
    return SimpleUploadedFile(name, data if data is not None else clip("short").read_bytes(), content_type="audio/flac")


def test_upload_runs_the_job_and_keeps_only_a_playback_copy(lab):
    services.vocabulary_save(actor=lab.dx, municipality=lab.municipality, division=None, text="豫算 よさん")
    meeting = services.meeting_create(actor=lab.editor_a, upload=_upload(),
                                      data={"title": "予算説明", "held_at": "2026-04-01T10:00", "num_speakers": "1"})
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.REVIEW, meeting.error
    assert meeting.division == lab.units["div"] and meeting.org_unit == lab.units["A"]
    assert not meeting.audio and meeting.has_audio and meeting.playback.name.endswith(".ogg")
    text = "".join(s["text"] for s in meeting.transcript["segments"])
    assert "豫算" in text and meeting.transcript["corrections"]
    assert meeting.job.status == "SUCCESSFUL" and "認識が終わりました" in meeting.job.message
    actions = list(AuditEvent.objects.filter(object_id=str(meeting.pk)).values_list("action", flat=True))
    assert "minutes.create" in actions and "minutes.transcribed" in actions


def test_bad_uploads_are_refused_and_leave_nothing(lab, settings):
    before = Meeting.objects.count()
    with pytest.raises(ApplicationError, match="対応していない形式"):
        services.meeting_create(actor=lab.editor_a, upload=_upload("議事.exe", b"MZ"), data={"title": "x"})
    with pytest.raises(ApplicationError, match="音声ファイルとして読めません"):
        services.meeting_create(actor=lab.editor_a, upload=_upload("録音.mp3", b"not audio" * 100), data={"title": "x"})
    with pytest.raises(ApplicationError, match="会議名"):
        services.meeting_create(actor=lab.editor_a, upload=_upload(), data={"title": "  "})
    with pytest.raises(ApplicationError, match="最少話者数"):
        services.meeting_create(actor=lab.editor_a, upload=_upload(), data={"title": "x", "min_speakers": "5", "max_speakers": "２"})
    settings.CIVICDX_MINUTES_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(ApplicationError, match="大きすぎます"):
        services.meeting_create(actor=lab.editor_a, upload=_upload(), data={"title": "x"})
    with pytest.raises(PermissionDeniedError):
        services.meeting_create(actor=lab.viewer, upload=_upload(), data={"title": "x"})
    assert Meeting.objects.count() == before


def test_cancel_before_a_worker_starts(lab, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    meeting = services.meeting_create(actor=lab.editor_a, upload=_upload(), data={"title": "中止する会議"})
    assert meeting.status == Meeting.Status.QUEUED
    services.meeting_cancel(actor=lab.editor_a, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED and meeting.job.status == "FAILED"
    assert services.meeting_transcribe(meeting_id=meeting.pk).status == Meeting.Status.CANCELLED
    with pytest.raises(ApplicationError, match="中止できません"):
        services.meeting_cancel(actor=lab.editor_a, meeting=meeting)


def test_voice_enrolment_needs_a_long_enough_sample_and_the_division(lab):
    from civicdx.minutes.models import Voice

    sample = SimpleUploadedFile("委員長.flac", clip("two_voices").read_bytes())
    voice = services.voice_enrol(actor=lab.div_editor, division=lab.units["div"], name="山田 委員長", upload=sample)
    assert voice.vector().shape == (256,) and abs(float((voice.vector() ** 2).sum()) - 1) < 1e-4
    assert voice.sample_seconds > 20
    with pytest.raises(ApplicationError, match="短すぎます"):
        services.voice_enrol(actor=lab.div_editor, division=lab.units["div"], name="短い",
                             upload=SimpleUploadedFile("short.flac", clip("short").read_bytes()))
    with pytest.raises(PermissionDeniedError):
        services.voice_enrol(actor=lab.div_editor_c, division=lab.units["div"], name="他課", upload=sample)
    with pytest.raises(PermissionDeniedError):
        services.voice_delete(actor=lab.div_editor_c, voice=voice)
    services.voice_delete(actor=lab.editor_a, voice=voice)
    assert not Voice.objects.exists()


def test_demo_loads_a_dictionary_and_a_meeting_that_gets_transcribed(lab):
    from civicdx.core.models import User
    from civicdx.minutes.demo import demo_load_minutes

    User.objects.create_user(username="ka", password="x", role=User.Role.EDITOR, municipality=lab.municipality,
                             org_unit=lab.units["div"])
    result = demo_load_minutes(municipality=lab.municipality)
    assert result == {"words": 12, "meetings": 1}
    meeting = Meeting.objects.get()
    assert meeting.status == Meeting.Status.REVIEW and len(meeting.transcript["speakers"]) == 2
    assert demo_load_minutes(municipality=lab.municipality)["meetings"] == 1  # reloading replaces it
    assert Meeting.objects.count() == 1
