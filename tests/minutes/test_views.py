"""Pages and JSON endpoints: login, scope, the editor's saves, audio ranges, exports."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from docx import Document

from civicdx.minutes.models import Meeting
from tests.minutes.conftest import client_for
from tests.minutes.test_services import meeting  # noqa: F401  (fixture)


def test_every_page_needs_login(lab, meeting):
    anon = Client()
    for url in ("/minutes/", f"/minutes/{meeting.pk}/", f"/minutes/{meeting.pk}/audio", f"/minutes/{meeting.pk}/export.docx",
                "/minutes/vocabulary/", "/minutes/voices/", "/minutes/settings/", f"/minutes/{meeting.pk}/status.json"):
        response = anon.get(url)
        assert response.status_code in (302, 401, 403), url
        assert "login" in response.get("Location", "login"), url


def test_another_division_gets_404_everywhere(lab, meeting):
    other = client_for(lab.div_editor_c)
    assert other.get(f"/minutes/{meeting.pk}/").status_code == 404
    assert other.get(f"/minutes/{meeting.pk}/audio").status_code == 404
    assert other.get(f"/minutes/{meeting.pk}/export.txt").status_code == 404
    assert other.post(f"/minutes/{meeting.pk}/segments/1/", json.dumps({"text": "x"}),
                      content_type="application/json").status_code == 404
    assert other.post(f"/minutes/{meeting.pk}/finish/").status_code == 404
    assert "人事課 定例会議" not in other.get("/minutes/").content.decode()
    assert "人事課 定例会議" in client_for(lab.editor_b).get("/minutes/").content.decode()


def test_editor_saves_a_line_and_a_speaker_and_counts_time(lab, meeting):
    c = client_for(lab.editor_a)
    page = c.get(f"/minutes/{meeting.pk}/").content.decode()
    assert 'contenteditable="plaintext-only"' in page and "開会します。" in page
    r = c.post(f"/minutes/{meeting.pk}/segments/2/", json.dumps({"text": "<b>説明</b>します。", "seconds": 30}),
               content_type="application/json")
    assert r.status_code == 200 and r.json()["segment"]["text"] == "<b>説明</b>します。"
    r = c.post(f"/minutes/{meeting.pk}/segments/2/", json.dumps({"speaker": "S9"}), content_type="application/json")
    assert r.status_code == 400 and "話者" in r.json()["message"]
    r = c.post(f"/minutes/{meeting.pk}/time/", {"seconds": "45"})
    assert r.json()["editing_seconds"] == 75
    page = c.get(f"/minutes/{meeting.pk}/").content.decode()
    assert "&lt;b&gt;説明&lt;/b&gt;" in page and "<b>説明</b>" not in page
    viewer = client_for(lab.viewer)
    assert 'contenteditable' not in viewer.get(f"/minutes/{meeting.pk}/").content.decode()
    assert viewer.post(f"/minutes/{meeting.pk}/segments/1/", json.dumps({"text": "x"}),
                       content_type="application/json").status_code == 403


def test_audio_supports_ranges(lab, meeting):
    c = client_for(lab.editor_a)
    r = c.get(f"/minutes/{meeting.pk}/audio", HTTP_RANGE="bytes=2-9")
    assert r.status_code == 206 and r["Content-Range"] == "bytes 2-9/104" and b"".join(r.streaming_content) == b"gS" + b"\0" * 6
    full = c.get(f"/minutes/{meeting.pk}/audio")
    assert full.status_code == 200 and full["Accept-Ranges"] == "bytes"
    assert c.get(f"/minutes/{meeting.pk}/audio", HTTP_RANGE="bytes=500-").status_code == 416


def test_exports_download(lab, meeting):
    c = client_for(lab.viewer)
    r = c.get(f"/minutes/{meeting.pk}/export.docx")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    texts = [p.text for p in Document(io.BytesIO(r.content)).paragraphs]
    assert texts[0] == "人事課 定例会議" and "開会します。" in texts
    assert c.get(f"/minutes/{meeting.pk}/export.vtt").content.decode().startswith("WEBVTT")
    assert "-->" in c.get(f"/minutes/{meeting.pk}/export.srt").content.decode()
    assert json.loads(c.get(f"/minutes/{meeting.pk}/export.json").content)["meeting"]["title"] == "人事課 定例会議"
    assert c.get(f"/minutes/{meeting.pk}/export.exe").status_code == 404


def test_finish_from_the_page_shows_the_hours_saved(lab, meeting):
    c = client_for(lab.div_editor)
    r = c.post(f"/minutes/{meeting.pk}/finish/", follow=True)
    assert "実績台帳に削減時間" in r.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.FINISHED and meeting.ledger_entry.units == 10


def test_vocabulary_page_lists_line_errors_and_keeps_the_text(lab):
    c = client_for(lab.div_editor)
    r = c.post("/minutes/vocabulary/", {"division": lab.units["div"].pk, "text": "人事課 じんじか\n給与 kyuyo"})
    body = r.content.decode()
    assert "2行目" in body and "給与 kyuyo" in body
    r = c.post("/minutes/vocabulary/", {"division": "city", "text": "歳出 さいしゅつ"})
    assert r.status_code == 403


@pytest.mark.parametrize("username", ["dx", "div_editor"])
def test_settings_page_is_for_the_centre(lab, username):
    user = lab.dx if username == "dx" else lab.div_editor
    r = client_for(user).post("/minutes/settings/", {"fillers": "えー\nまあ、", "retention_days": "90"})
    assert r.status_code == (302 if username == "dx" else 403)


def test_api_files_a_recording_and_reads_it_back_within_scope(lab):
    from tests.minutes.conftest import clip

    c = client_for(lab.div_editor)
    assert Client().get("/api/minutes/meetings").status_code == 401
    with open(clip("short"), "rb") as f:
        r = c.post("/api/minutes/meetings", {"title": "API 会議", "num_speakers": "1", "audio": f})
    assert r.status_code == 201, r.content
    meeting_id = r.json()["id"]
    data = c.get(f"/api/minutes/meetings/{meeting_id}").json()
    assert data["status"] == "review" and data["division"] == lab.units["div"].path
    assert data["transcript"]["segments"] and "API 会議" in data["text"]
    assert [m["id"] for m in c.get("/api/minutes/meetings").json()] == [meeting_id]
    other = client_for(lab.div_editor_c)
    assert other.get(f"/api/minutes/meetings/{meeting_id}").status_code == 404
    assert other.get("/api/minutes/meetings").json() == []
    r = c.post("/api/minutes/meetings", {"title": "壊れた録音", "audio": io.BytesIO(b"broken")})
    assert r.status_code == 422 or r.status_code == 400
