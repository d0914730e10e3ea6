"""The engine on synthesised clips: recognition, timestamps, dictionaries in the pipeline, speakers, formats."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from civicdx.minutes import audio, speakers, vocab
from civicdx.minutes.transcript import full_text, transcribe_file
from tests.minutes.conftest import clip, clip_text, clip_turns


def test_short_clip_gives_the_right_words_with_ordered_timestamps(short_transcript):
    t = short_transcript
    text = full_text(t)
    for word in ("令和", "年度", "予算", "説明"):
        assert word in text, text
    assert 5 < t["duration_s"] < 12
    times = [(w["start"], w["end"]) for s in t["segments"] for w in s["words"]]
    assert times and all(0 <= a <= b <= t["duration_s"] + 0.05 for a, b in times)
    starts = [a for a, _ in times]
    assert starts == sorted(starts)
    assert all(0 < s["confidence"] <= 1 for s in t["segments"])
    assert t["speakers"] == {"S1": "話者1"}


def test_dictionary_correction_runs_inside_the_pipeline(recognizer, short_transcript):
    # Plant a "misrecognition": register a spelling the model never writes, with the reading of a word it does
    # write (予算 よさん). The pass must replace the recognised word and list the change.
    assert "予算" in full_text(short_transcript)
    result = transcribe_file(clip("short"), recognizer=recognizer, diarize=False,
                             entries=vocab.parse("豫算 よさん"))
    assert "豫算" in full_text(result) and "予算" not in full_text(result)
    assert [(c["before"], c["after"]) for c in result["corrections"]] == [("予算", "豫算")]
    assert "豫算" in "".join(s["raw_text"] for s in result["segments"])


def test_fillers_are_removed_from_the_clean_level_only(recognizer):
    result = transcribe_file(clip("fillers"), recognizer=recognizer, diarize=False)
    raw = "".join(s["raw_text"] for s in result["segments"])
    clean = full_text(result)
    assert "会議" in clean
    for filler in ("えー", "あのー", "えっと"):
        assert filler not in clean
    assert len(clean) <= len(raw) + len(result["segments"]) * 2   # only punctuation may be added


def test_two_voices_are_separated(two_voice_transcript):
    t = two_voice_transcript
    assert len(t["speakers"]) == 2
    truth = clip_turns("two_voices")
    hits = total = 0
    mapping = {}
    for seg in t["segments"]:
        mid = (seg["start"] + seg["end"]) / 2
        turn = min(truth, key=lambda x: 0 if x["start"] <= mid <= x["end"] else min(abs(mid - x["start"]), abs(mid - x["end"])))
        mapping.setdefault(seg["speaker"], turn["speaker"])
        hits += mapping[seg["speaker"]] == turn["speaker"]
        total += 1
    assert total >= 4 and hits / total >= 0.8, (hits, total, mapping)
    assert len(set(mapping.values())) == 2


def test_speaker_count_range_is_respected(recognizer):
    result = transcribe_file(clip("two_voices"), recognizer=recognizer, min_speakers=2, max_speakers=3)
    assert 2 <= len(result["speakers"]) <= 3
    single = transcribe_file(clip("two_voices"), recognizer=recognizer, max_speakers=1)
    assert len(single["speakers"]) == 1


def test_encoder_weights_load_without_torch_and_embeddings_separate_voices():
    enc = speakers.default_encoder()
    assert [w[0].shape for w in enc.layers] == [(40, 1024), (256, 1024), (256, 1024)]
    pcm_path = clip("two_voices")
    turns = clip_turns("two_voices")
    wav = _decode(pcm_path)
    emb = {}
    for turn in turns[:4]:
        part = wav[int(turn["start"] * 16000):int(turn["end"] * 16000)]
        emb.setdefault(turn["speaker"], []).append(enc.embed_speaker(part))
    (a1, a2), (b1, b2) = [v[:2] for v in emb.values()]
    assert float(a1 @ a2) > float(a1 @ b1) and float(b1 @ b2) > float(b1 @ a2)
    assert abs(float(np.linalg.norm(a1)) - 1) < 1e-5


def test_enrolled_voice_is_recognised_by_name(recognizer):
    turns = clip_turns("two_voices")
    wav = _decode(clip("two_voices"))
    first = turns[0]["speaker"]
    sample = np.concatenate([wav[int(t["start"] * 16000):int(t["end"] * 16000)] for t in turns if t["speaker"] == first])
    voice = speakers.default_encoder().embed_speaker(sample)
    result = transcribe_file(clip("two_voices"), recognizer=recognizer, num_speakers=2, enrolled={"山田 委員長": voice})
    assert "山田 委員長" in result["speakers"].values()
    assert sum(1 for v in result["speakers"].values() if v.startswith("話者")) == 1


def _decode(path):
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", "16000", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype="<i2").astype(np.float32) / 32768


@pytest.mark.parametrize("ext", ["mp3", "m4a", "wma", "mp4", "wav"])
def test_common_formats_decode(tmp_path, ext):
    src = clip("short")
    dst = tmp_path / f"meeting.{ext}"
    args = ["-f", "lavfi", "-i", "color=c=black:s=64x64:d=9"] if ext == "mp4" else []
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(src), *args, "-shortest", str(dst)], check=True)
    duration = audio.probe(dst)
    n = audio.decode(dst, tmp_path / "out.s16")
    assert abs(n / 16000 - duration) < 0.2 and abs(duration - audio.probe(src)) < 0.3


def test_broken_and_silent_inputs_get_japanese_errors(tmp_path):
    bad = tmp_path / "議事録.mp3"
    bad.write_bytes(b"ID3 not really an mp3" * 10)
    with pytest.raises(audio.AudioError, match="「議事録.mp3」"):
        audio.probe(bad)
    text = tmp_path / "memo.wav"
    text.write_text("これは音声ではありません", encoding="cp932")
    with pytest.raises(audio.AudioError, match="memo.wav"):
        audio.decode(text, tmp_path / "x.s16")


def test_chunks_cut_at_the_quietest_moment():
    rng = np.random.default_rng(1)
    pcm = (rng.standard_normal(16000 * 100) * 3000).astype(np.int16)
    pcm[16000 * 45: 16000 * 45 + 8000] = 0  # a half-second pause near the first nominal cut (50 s)
    bounds = list(audio.chunk_bounds(pcm, chunk_s=50, search_s=10))
    assert bounds[0][0] == 0 and bounds[-1][1] == len(pcm)
    assert 16000 * 45 <= bounds[0][1] <= 16000 * 45 + 8000
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))


def test_labeller_votes_by_overlap_and_falls_back_to_the_nearest_window():
    windows = [(0.0, 1.6), (0.8, 2.4), (1.6, 3.2), (10.0, 11.6)]
    lab = speakers.Labeller(windows, np.array([0, 0, 1, 1]))
    assert lab.at(0.2, 0.6) == 0
    assert lab.at(2.5, 3.0) == 1
    assert lab.at(1.7, 2.3) == 0  # two windows of label 0 outweigh one of label 1
    assert lab.at(6.0, 6.5) == 1 and lab.at(4.0, 4.2) == 1  # in a gap: the nearest window
    assert speakers.Labeller([], np.array([])).at(1.0, 2.0) == 0
