"""civicdx minutes transcribe: the JSON shape the issue specifies, the dictionary file, errors."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from tests.minutes.conftest import clip


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("minutes", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_transcribe_json_with_vocabulary_and_speakers(tmp_path, recognizer):
    words = tmp_path / "単語.txt"
    words.write_text("# 財政局\n豫算\tよさん\n歳出 さいしゅつ\n", encoding="utf-8")
    out, _ = run("transcribe", str(clip("short")), "--vocab", str(words), "--speakers", "1", "--json")
    data = json.loads(out)
    assert set(data) >= {"duration_s", "rtf", "model", "segments", "text"}
    assert data["model"] == "whisper-base" and data["rtf"] > 0 and 5 < data["duration_s"] < 12
    seg = data["segments"][0]
    assert set(seg) >= {"start", "end", "speaker", "text", "raw_text", "confidence"} and seg["speaker"] == "話者1"
    assert "豫算" in data["text"] and data["text"] == "".join(s["text"] for s in data["segments"])


def test_bad_vocabulary_and_missing_file(tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("歳出\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        run("transcribe", str(clip("short")), "--vocab", str(words), "--json")
    assert exc.value.code == 1
    cp932 = tmp_path / "cp932.txt"
    cp932.write_bytes("歳出 さいしゅつ".encode("cp932"))
    from django.core.management.base import CommandError
    with pytest.raises(CommandError, match="UTF-8"):
        run("transcribe", str(clip("short")), "--vocab", str(cp932))
    with pytest.raises(CommandError, match="見つかりません"):
        run("transcribe", str(tmp_path / "none.wav"))
