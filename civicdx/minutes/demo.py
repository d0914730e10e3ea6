"""Demo content of AI議事録: a city-wide dictionary of municipal words and one recorded meeting (two synthesised
voices, bundled) filed by the demo 課 user; the worker that `make run` starts transcribes it."""

from __future__ import annotations

from pathlib import Path

from django.core.files import File

from civicdx.core.models import Municipality, User
from civicdx.core.permissions import command_line_actor
from civicdx.minutes import services
from civicdx.minutes.models import Meeting, VocabularyEntry

DEMO_AUDIO = Path(__file__).parent / "data" / "demo_meeting.flac"
DEMO_VOCABULARY = """\
# デモ用の全庁共通辞書（表記 読み）
歳出 さいしゅつ
歳入 さいにゅう
補正予算 ほせいよさん
一般会計 いっぱんかいけい
財政課 ざいせいか
市民課 しみんか
情報政策課 じょうほうせいさくか
子ども家庭課 こどもかていか
条例 じょうれい
議案 ぎあん
委員会 いいんかい
デジラボ でじらぼ
"""


def demo_load_minutes(*, municipality: Municipality) -> dict:
    for meeting in Meeting.objects.filter(municipality=municipality):
        for f in (meeting.audio, meeting.playback):
            if f:
                f.delete(save=False)
    Meeting.objects.filter(municipality=municipality).delete()
    VocabularyEntry.objects.filter(municipality=municipality).delete()
    words = services.vocabulary_save(actor=command_line_actor(), municipality=municipality, division=None,
                                     text=DEMO_VOCABULARY)
    clerk = User.objects.filter(username="ka", municipality=municipality).select_related("org_unit").first()
    meetings = 0
    if clerk is not None and clerk.org_unit is not None and DEMO_AUDIO.exists():
        with open(DEMO_AUDIO, "rb") as f:
            upload = File(f, name="窓口改善会議.flac")
            upload.size = DEMO_AUDIO.stat().st_size
            services.meeting_create(actor=clerk, upload=upload, data={
                "title": "窓口改善検討会議（デモ・合成音声）", "held_at": "2026-04-10T10:00", "place": "本庁舎 第3会議室",
                "attendees": "市民課長\n窓口係長", "agenda": "繁忙期の窓口の待ち時間について", "num_speakers": "2"})
        meetings = 1
    return {"words": words, "meetings": meetings}
