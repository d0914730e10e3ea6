"""The transcript: segments of words with two text levels (素起こし ``raw`` and ケバ取り ``text``), speakers,
the dictionary corrections made, and the whole pipeline from an audio file to that structure.

A transcript is plain JSON (it is stored as such and exported as such)::

    {"duration_s", "model", "rtf", "speakers": {"S1": "話者1"},
     "segments": [{"id", "start", "end", "speaker", "raw_text", "text", "confidence", "edited",
                   "words": [{"raw", "text", "start", "end", "p"}]}],
     "corrections": [{"segment", "time", "before", "after", "reading"}]}
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from civicdx.minutes import audio, fillers, speakers, vocab
from civicdx.minutes.asr import Recognizer, Segment, Word

LOW_CONFIDENCE = 0.5
SENTENCE_FINAL = "すたかいんうねよだ"  # last kana of ます・です・でした・ですか・ください・ません・でしょう・ね・よ・だ
MAX_LINE_S = 12.0  # a longer run of one speaker is cut after a sentence end
Progress = Callable[[str, int, int], None]


class Cancelled(Exception):
    pass


def rewrite(words: list[dict], key: str, spans: list[tuple[int, int, str]]) -> None:
    """Apply character spans (start, end, replacement) over the concatenated ``words[*][key]`` text; the
    replacement goes to the word holding the span's first character, so timestamps stay with their words."""
    if not spans:
        return
    owner = [i for i, w in enumerate(words) for _ in w[key]]
    starts = {s: (e, rep) for s, e, rep in spans}
    texts = [[] for _ in words]
    pos = 0
    flat = "".join(w[key] for w in words)
    while pos < len(flat):
        if pos in starts:
            end, rep = starts[pos]
            texts[owner[pos]].append(rep)
            pos = max(end, pos + 1) if end > pos else pos + 1
            continue
        texts[owner[pos]].append(flat[pos])
        pos += 1
    for w, parts in zip(words, texts):
        w[key] = "".join(parts)


def _non_overlapping(spans):
    out, last = [], -1
    for s in sorted(spans):
        if s[0] >= last:
            out.append(s)
            last = s[1]
    return out


def clean_words(words: list[dict], rules: fillers.Rules) -> str:
    """Fill ``text`` of each word from ``raw`` with fillers and repeats removed; return the clean text."""
    for w in words:
        w["text"] = w["raw"]
    rewrite(words, "text", _non_overlapping(fillers.filler_spans("".join(w["raw"] for w in words), rules)))
    for _ in range(4):  # a phrase said three or four times collapses pair by pair
        spans = _non_overlapping(fillers.repeat_spans("".join(w["text"] for w in words)))
        if not spans:
            break
        rewrite(words, "text", spans)
    rewrite(words, "text", fillers.pause_spans("".join(w["text"] for w in words)))
    text = fillers.tidy("".join(w["text"] for w in words))
    if text and text[-1] in SENTENCE_FINAL:  # a line cut mid-sentence (…についてご) gets no 。
        last = next(w for w in reversed(words) if w["text"].strip())
        last["text"] = last["text"].rstrip("、， ") + "。"
        text += "。"
    return text


def correct_words(words: list[dict], entries: list[vocab.Entry]) -> list[vocab.Correction]:
    found = vocab.corrections("".join(w["raw"] for w in words), entries)
    rewrite(words, "raw", [(c.start, c.end, c.after) for c in found])
    return found


def _word_dicts(seg: Segment) -> list[dict]:
    words = seg.words or [Word(seg.text, seg.start, seg.end, 0.0)]
    out = [{"raw": w.text, "text": w.text, "start": w.start, "end": w.end, "p": w.prob} for w in words]
    if out:
        out[0]["raw"] = out[0]["raw"].lstrip()
    return out


def _split_sentences(words: list[dict]) -> list[list[dict]]:
    """Cut a long run after words that end a sentence, so that editor lines stay short enough to replay."""
    parts, current = [], []
    for w in words:
        current.append(w)
        last = w["raw"].rstrip()[-1:]
        if last and last in "。？！?!" and current[-1]["end"] - current[0]["start"] >= MAX_LINE_S:
            parts.append(current)
            current = []
    if current:
        parts.append(current)
    return parts


def _split_by_speaker(words: list[dict], labels: list[int], min_words: int = 3) -> list[tuple[int, list[dict]]]:
    """Runs of one speaker; runs shorter than ``min_words`` join the previous run (over-segmentation guard)."""
    runs: list[list] = []
    for w, lab in zip(words, labels):
        if runs and runs[-1][0] == lab:
            runs[-1][1].append(w)
        else:
            runs.append([lab, [w]])
    merged: list[list] = []
    for lab, ws in runs:
        if merged and (len(ws) < min_words or merged[-1][0] == lab):
            merged[-1][1].extend(ws)
        else:
            merged.append([lab, ws])
    if len(merged) > 1 and len(merged[0][1]) < min_words:
        merged[1][1][:0] = merged[0][1]
        merged.pop(0)
    return [(lab, ws) for lab, ws in merged]


def build_segment(seg_id: int, words: list[dict], speaker: str, rules: fillers.Rules) -> dict:
    text = clean_words(words, rules)
    probs = [w["p"] for w in words if w["raw"].strip()]
    return {"id": seg_id, "start": words[0]["start"], "end": words[-1]["end"], "speaker": speaker,
            "raw_text": "".join(w["raw"] for w in words).strip(), "text": text,
            "confidence": round(float(np.mean(probs)), 4) if probs else 0.0, "edited": False, "words": words}


def transcribe_file(path: Path | str, *, recognizer: Recognizer, entries: list[vocab.Entry] | None = None,
                    rules: fillers.Rules = fillers.DEFAULT_RULES, diarize: bool = True, num_speakers: int | None = None,
                    min_speakers: int = 1, max_speakers: int = 10, enrolled: dict[str, np.ndarray] | None = None,
                    progress: Progress | None = None, is_cancelled: Callable[[], bool] | None = None,
                    chunk_s: float = 600.0) -> dict:
    """Audio file → transcript JSON. Decodes to a temporary PCM file and works chunk by chunk, so a
    three-hour recording never sits in memory whole."""
    entries = entries or []
    started = time.perf_counter()
    cancelled = is_cancelled or (lambda: False)
    hot = vocab.hotwords(entries) or None
    encoder = speakers.default_encoder() if diarize else None
    with tempfile.TemporaryDirectory(prefix="civicdx-minutes-") as tmp:
        pcm_path = Path(tmp) / "audio.s16"
        n_samples = audio.decode(path, pcm_path)
        pcm = audio.open_pcm(pcm_path)
        duration = n_samples / audio.SAMPLE_RATE
        total_ms = max(1, int(duration * 1000))
        if progress:
            progress("音声を認識しています", 0, total_ms)
        raw_segments: list[Segment] = []
        windows: list[tuple[float, float]] = []
        embeddings: list[np.ndarray] = []
        for lo, hi in audio.chunk_bounds(pcm, chunk_s):
            chunk = audio.to_float(pcm[lo:hi])
            offset = lo / audio.SAMPLE_RATE
            chunk_segments = []
            for seg in recognizer.transcribe(chunk, offset=offset, hotwords=hot, is_cancelled=cancelled):
                chunk_segments.append(seg)
                if progress:
                    progress("音声を認識しています", min(total_ms, int(seg.end * 1000)), total_ms)
            if cancelled():
                raise Cancelled()
            raw_segments.extend(chunk_segments)
            if encoder is not None and chunk_segments:
                wins = speakers.speech_windows([(s.start, s.end) for s in chunk_segments])
                wavs = [chunk[int((a - offset) * audio.SAMPLE_RATE):int((b - offset) * audio.SAMPLE_RATE)] for a, b in wins]
                windows.extend(wins)
                embeddings.append(encoder.embed_windows(wavs))
            del chunk
            if progress:
                progress("音声を認識しています", min(total_ms, int(hi / audio.SAMPLE_RATE * 1000)), total_ms)
        del pcm
    if progress:
        progress("話者を判別しています", total_ms, total_ms)

    names: dict[str, str] = {}
    if encoder is not None and windows:
        result = speakers.cluster(np.concatenate(embeddings), speakers=num_speakers, min_speakers=min_speakers,
                                  max_speakers=max_speakers)
        labels = result.labels
        known = speakers.match_enrolled(result.centroids, enrolled or {})
        names = {f"S{i + 1}": known.get(i, f"話者{i + 1}") for i in range(len(result.centroids))}
    else:
        labels = np.zeros(len(windows), int)
    labeller = speakers.Labeller(windows, labels)
    segments_out, corrections_out = [], []
    for seg in raw_segments:
        words = _word_dicts(seg)
        owner = [w for w in words for _ in w["raw"]]  # character → word, before the corrections rewrite it
        found = correct_words(words, entries)
        word_labels = [labeller.at(w["start"], w["end"]) for w in words]
        segment_of: dict[int, int] = {}
        for lab, run in _split_by_speaker(words, word_labels):
            for part in _split_sentences(run):
                out = build_segment(len(segments_out) + 1, part, f"S{lab + 1}", rules)
                if not out["raw_text"]:
                    continue
                segments_out.append(out)
                segment_of.update({id(w): out["id"] for w in part})
        for c in found:
            word = owner[c.start]
            corrections_out.append({"segment": segment_of.get(id(word)), "time": word["start"], "before": c.before,
                                    "after": c.after, "reading": c.reading})
    names = _renumber(segments_out, names)
    elapsed = time.perf_counter() - started
    return {"duration_s": round(duration, 3), "model": recognizer.name, "rtf": round(elapsed / max(duration, 1e-6), 4),
            "speakers": names, "segments": segments_out, "corrections": corrections_out}


def _renumber(segments: list[dict], names: dict[str, str]) -> dict[str, str]:
    """Labels in order of first speech (S1, S2 …) with no gaps left by clusters that kept no line; 話者N
    follows the new number, enrolled names stay."""
    order = list(dict.fromkeys(s["speaker"] for s in segments)) or ["S1"]
    remap = {old: f"S{i}" for i, old in enumerate(order, start=1)}
    for s in segments:
        s["speaker"] = remap[s["speaker"]]
    out = {}
    for old, new in remap.items():
        name = names.get(old, "")
        out[new] = name if name and not name.startswith("話者") else f"話者{new[1:]}"
    return out


def full_text(transcript: dict, *, clean: bool = True) -> str:
    """The transcript as one string (ケバ取り by default), segments joined without separators."""
    key = "text" if clean else "raw_text"
    return "".join(s[key] for s in transcript["segments"])
