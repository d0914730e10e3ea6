"""AI議事録 bench: recognition accuracy (CER), diarization accuracy, speed against faster-whisper alone, and
memory on a long recording, on the synthesised corpus in bench/minutes_corpus/ (see make_corpus.py there).

    .venv/bin/python bench/minutes_bench.py --quick            # smoke run: 12 utterances, meeting m1
    .venv/bin/python bench/minutes_bench.py --json-out r.json  # full run (no long recording)
    .venv/bin/python bench/minutes_bench.py --long-hours 3     # + a ~3 h recording in a child process

Uses only the pure engine modules (civicdx.minutes.asr / transcript / vocab): no Django, no database.
The JSON summary goes to stdout (and to --json-out), progress lines to stderr.

- CER: Levenshtein distance over characters / reference length, summed over utterances. Both sides are
  normalised first: NFKC, kanji numerals to arabic digits grouped by 億/万 (三億二千万 → 3億2000万, 3億2千万 → 3億2000万,
  四千八百 → 4800, 八点五 → 8.5), then punctuation, symbols and spaces removed. The ケバ取り text (full_text) is scored
  against the reference with the fillers (えー、あのー、えっと、まあ、) removed; the 素起こし text (raw_text)
  against the reference as written.
- Diarization: each output segment takes the true speaker of the turn under its midpoint (the nearest turn
  when the midpoint falls in a gap); cluster labels are mapped one-to-one to true speakers by the Hungarian
  method on duration; accuracy = correctly attributed segment seconds / all segment seconds.
- Speed: transcribe_file (diarize off / on) against WhisperModel.transcribe on the same loaded model and the
  same files, rounds alternating direct → ours → ours+diarization, minimum of the rounds per meeting.
- Long recording (--long-hours H): the meetings concatenated to about H hours (ffmpeg concat demuxer, 16 kHz
  mono MP3 under --scratch), transcribed with diarization in a child process; its peak RSS from wait4.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "bench" / "minutes_corpus"
MODEL_DIR = ROOT / "var" / "models" / "whisper-base"
sys.path.insert(0, str(ROOT))

BEAM = 5
FILLER_RE = re.compile(r"(?:えー|あのー|えっと|まあ)、")


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- text scoring

KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}
KANJI_DIGITS["零"] = 0
SMALL = {"十": 10, "百": 100, "千": 1000}
BIG = {"万": 10**4, "億": 10**8, "兆": 10**12}
_NUM_CHARS = "0-9〇零一二三四五六七八九十百千万億兆"
_DIGIT_CHARS = "0-9〇零一二三四五六七八九"
_NUM_RE = re.compile(rf"[{_NUM_CHARS}]+(?:[.点][{_DIGIT_CHARS}]+)?")


def _int_value(run: str) -> int:
    total, section, current = 0, 0, None
    for ch in run:
        if ch.isdigit() and ch.isascii():
            current = (current or 0) * 10 + int(ch)
        elif ch in KANJI_DIGITS:
            current = (current or 0) * 10 + KANJI_DIGITS[ch]
        elif ch in SMALL:
            section += (1 if current is None else current) * SMALL[ch]
            current = None
        else:  # BIG
            section += current or 0
            total += (section or 1) * BIG[ch]
            section, current = 0, None
    return total + section + (current or 0)


def _render(n: int) -> str:
    """Arabic digits grouped by 兆/億/万 as official minutes write them (3億2000万, 412億, 4800), so a long
    number does not weigh more in the CER than the characters it is written with."""
    if n < 10**4:
        return str(n)
    out = ""
    for unit, name in ((10**12, "兆"), (10**8, "億"), (10**4, "万"), (1, "")):
        group = n // unit % 10**4 if unit < 10**12 else n // unit
        if group:
            out += f"{group}{name}"
    return out


def _convert_number(m: re.Match) -> str:
    text = m.group(0)
    int_part, frac = re.split(r"[.点]", text, maxsplit=1) if re.search(r"[.点]", text) else (text, "")
    # a lone 万/億 (万全, 億劫) or a word like 一般 stays comparable either way; only skip runs of big units alone
    if all(c in BIG for c in int_part):
        return text
    out = _render(_int_value(int_part))
    if frac:
        out += "." + "".join(str(KANJI_DIGITS.get(c, c)) for c in frac)
    return out


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)  # 4,800 → 4800
    text = text.replace("パーセント", "%")
    text = _NUM_RE.sub(_convert_number, text)
    return "".join(c for c in text if unicodedata.category(c)[0] not in "PZSC")


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def strip_fillers(text: str) -> str:
    return FILLER_RE.sub("", text)


# ---------------------------------------------------------------------------------------------- corpus

def read_tsv(path: Path) -> list[dict]:
    import csv

    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def load_meetings() -> dict:
    return json.loads((CORPUS / "meetings.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------- CER

def cer_pass(recognizer, utts: list[dict], entries) -> dict:
    from civicdx.minutes.transcript import full_text, transcribe_file

    rows = []
    started = time.perf_counter()
    for k, u in enumerate(utts, 1):
        t0 = time.perf_counter()
        result = transcribe_file(CORPUS / "audio" / f"{u['id']}.flac", recognizer=recognizer, entries=entries,
                                 diarize=False)
        clean, raw = full_text(result), full_text(result, clean=False)
        ref_clean, ref_raw = normalise(strip_fillers(u["text"])), normalise(u["text"])
        hyp_clean, hyp_raw = normalise(clean), normalise(raw)
        rows.append({"id": u["id"], "voice": u["voice"], "ref": u["text"], "hyp": clean, "raw": raw,
                     "ref_len": len(ref_clean), "err": levenshtein(ref_clean, hyp_clean),
                     "ref_raw_len": len(ref_raw), "err_raw": levenshtein(ref_raw, hyp_raw),
                     "corrections": [f"{c['before']}→{c['after']}" for c in result["corrections"]],
                     "seconds": round(time.perf_counter() - t0, 2), "audio_s": result["duration_s"]})
        if k % 10 == 0 or k == len(utts):
            log(f"    {k}/{len(utts)} utterances, {time.perf_counter() - started:.0f}s")
    elapsed = time.perf_counter() - started

    def agg(sel):
        n, e = sum(r["ref_len"] for r in sel), sum(r["err"] for r in sel)
        nr, er = sum(r["ref_raw_len"] for r in sel), sum(r["err_raw"] for r in sel)
        return {"cer": round(e / max(n, 1), 4), "cer_raw": round(er / max(nr, 1), 4), "utterances": len(sel),
                "ref_chars": n, "errors": e}

    voices = sorted({r["voice"] for r in rows})
    return {**agg(rows), "per_voice": {v: agg([r for r in rows if r["voice"] == v]) for v in voices},
            "seconds": round(elapsed, 1), "audio_seconds": round(sum(r["audio_s"] for r in rows), 1),
            "rtf": round(elapsed / max(sum(r["audio_s"] for r in rows), 1e-6), 4),
            "slowest": sorted(({"id": r["id"], "seconds": r["seconds"], "audio_s": r["audio_s"]} for r in rows),
                              key=lambda r: -r["seconds"])[:3], "rows": rows}


# ---------------------------------------------------------------------------------------------- diarization

def diar_accuracy(result: dict, turns: list[dict]) -> dict:
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    true_speakers = sorted({t["speaker"] for t in turns})
    clusters = sorted({s["speaker"] for s in result["segments"]})
    weights = np.zeros((len(clusters), len(true_speakers)))
    off_turn = 0.0
    for s in result["segments"]:
        mid = (s["start"] + s["end"]) / 2
        dur = max(0.0, s["end"] - s["start"])
        turn = next((t for t in turns if t["start"] <= mid <= t["end"]), None)
        if turn is None:
            off_turn += dur
            turn = min(turns, key=lambda t: min(abs(t["start"] - mid), abs(t["end"] - mid)))
        weights[clusters.index(s["speaker"]), true_speakers.index(turn["speaker"])] += dur
    rows, cols = linear_sum_assignment(-weights)
    total = float(weights.sum())
    return {"accuracy": round(float(weights[rows, cols].sum()) / total, 4) if total else 0.0,
            "speakers_true": len(true_speakers), "speakers_found": len(clusters), "segments": len(result["segments"]),
            "segment_seconds": round(total, 1), "midpoint_in_gap_seconds": round(off_turn, 1),
            "mapping": {clusters[r]: true_speakers[c] for r, c in zip(rows, cols)}}


# ---------------------------------------------------------------------------------------------- speed

def direct_transcribe(model, path: Path) -> int:
    """faster-whisper alone, with the decoding options civicdx uses (civicdx.minutes.asr.Recognizer.transcribe),
    so the difference is civicdx's own work: decoding to PCM, chunking, words, ケバ取り, corrections."""
    segments, _info = model.transcribe(str(path), language="ja", beam_size=BEAM, word_timestamps=True,
                                       without_timestamps=True, vad_filter=True,
                                       vad_parameters={"min_silence_duration_ms": 500}, condition_on_previous_text=False)
    return sum(1 for _ in segments)


def speed_and_diar(recognizer, meetings: dict, names: list[str], rounds: int = 2) -> tuple[dict, dict, dict]:
    """Timed rounds; also returns the diarization results without a count (from the first timed diarize run)."""
    from civicdx.minutes.transcript import transcribe_file

    times: dict[str, dict[str, list[float]]] = {k: {m: [] for m in names} for k in ("direct", "ours", "ours_diar")}
    durations: dict[str, float] = {}
    uncounted: dict[str, dict] = {}
    for rnd in range(rounds):
        for m in names:
            path = CORPUS / "meetings" / f"{m}.flac"
            t0 = time.perf_counter()
            n = direct_transcribe(recognizer.model, path)
            times["direct"][m].append(time.perf_counter() - t0)

            t0 = time.perf_counter()
            res = transcribe_file(path, recognizer=recognizer, diarize=False)
            times["ours"][m].append(time.perf_counter() - t0)
            durations[m] = res["duration_s"]

            t0 = time.perf_counter()
            res_d = transcribe_file(path, recognizer=recognizer, diarize=True, min_speakers=1, max_speakers=8)
            times["ours_diar"][m].append(time.perf_counter() - t0)
            uncounted.setdefault(m, res_d)
            log(f"  round {rnd + 1} {m}: direct {times['direct'][m][-1]:.1f}s ({n} seg), ours {times['ours'][m][-1]:.1f}s, "
                f"ours+diar {times['ours_diar'][m][-1]:.1f}s, audio {durations[m]:.1f}s")
    audio_s = sum(durations.values())
    best = {k: sum(min(v[m]) for m in names) for k, v in times.items()}
    per_round = {k: [round(sum(v[m][r] for m in names), 2) for r in range(rounds)] for k, v in times.items()}
    speed = {
        "audio_seconds": round(audio_s, 1),
        "rounds": rounds,
        "seconds_min": {k: round(v, 2) for k, v in best.items()},
        "seconds_per_round": per_round,
        "rtf_direct": round(best["direct"] / audio_s, 4),
        "rtf_ours_no_diarization": round(best["ours"] / audio_s, 4),
        "rtf_ours_diarization": round(best["ours_diar"] / audio_s, 4),
        "overhead_pct_vs_direct": round((best["ours"] / best["direct"] - 1) * 100, 1),
        "diarization_cost_pct_of_ours": round((best["ours_diar"] / best["ours"] - 1) * 100, 1),
        "diarization_rtf": round((best["ours_diar"] - best["ours"]) / audio_s, 4),
        "per_meeting_seconds_min": {m: {k: round(min(times[k][m]), 2) for k in times} for m in names},
    }
    return speed, uncounted, durations


# ---------------------------------------------------------------------------------------------- long recording

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from civicdx.minutes.asr import Recognizer
from civicdx.minutes.transcript import transcribe_file
rec = Recognizer(sys.argv[2], device="cpu", compute_type="int8", beam_size=5)
t0 = time.perf_counter()
res = transcribe_file(sys.argv[3], recognizer=rec, diarize=True, min_speakers=1, max_speakers=8)
wall = time.perf_counter() - t0
print(json.dumps({"duration_s": res["duration_s"], "rtf": res["rtf"], "wall_s": round(wall, 1),
                  "segments": len(res["segments"]), "speakers": len(res["speakers"])}))
"""


def long_recording(hours: float, scratch: Path, meetings: dict) -> dict:
    import resource

    scratch.mkdir(parents=True, exist_ok=True)
    names = sorted(meetings)
    from civicdx.minutes import audio

    one_pass = sum(audio.probe(CORPUS / "meetings" / f"{m}.flac") for m in names)
    repeats = max(1, round(hours * 3600 / one_pass))
    listing = scratch / "concat.txt"
    listing.write_text("".join(f"file '{(CORPUS / 'meetings' / f'{m}.flac').as_posix()}'\n"
                               for _ in range(repeats) for m in names), encoding="utf-8")
    target = scratch / f"long_{hours:g}h.mp3"
    t0 = time.perf_counter()
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
                    "-ac", "1", "-ar", "16000", "-c:a", "libmp3lame", "-b:a", "48k", str(target)], check=True)
    log(f"  built {target.name}: {repeats}× the 4 meetings, {target.stat().st_size / 1e6:.1f} MB "
        f"in {time.perf_counter() - t0:.0f}s")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(ROOT), str(MODEL_DIR), str(target)],
                            stdout=subprocess.PIPE, cwd=str(ROOT))
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"long-recording child failed with exit code {proc.returncode}")
    info = json.loads(out.decode().strip().splitlines()[-1])
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"hours_requested": hours, "repeats": repeats, "file_mb": round(target.stat().st_size / 1e6, 1),
            "audio_seconds": info["duration_s"], "rtf": info["rtf"], "child_wall_s": round(wall, 1),
            "segments": info["segments"], "speakers_found": info["speakers"],
            "peak_rss_kb": usage.ru_maxrss, "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "rusage_children_maxrss_kb": max(before, after)}


# ---------------------------------------------------------------------------------------------- main

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="first 12 utterances and meeting m1 only")
    ap.add_argument("--json-out", type=Path)
    ap.add_argument("--long-hours", type=float, default=0.0, help="build and transcribe a recording this long (0 = skip)")
    ap.add_argument("--scratch", type=Path, help="folder for the long recording (default: a temporary folder)")
    ap.add_argument("--rounds", type=int, default=2, help="timed rounds per method (minimum taken)")
    ap.add_argument("--skip-cer", action="store_true")
    ap.add_argument("--skip-meetings", action="store_true")
    args = ap.parse_args()

    from civicdx.minutes import vocab
    from civicdx.minutes.asr import Recognizer, install_base_model
    from civicdx.minutes.transcript import transcribe_file

    t_start = time.perf_counter()
    model_dir = install_base_model(MODEL_DIR)
    recognizer = Recognizer(model_dir, device="cpu", compute_type="int8", beam_size=BEAM)
    entries = vocab.parse((CORPUS / "vocabulary.txt").read_text(encoding="utf-8"))
    utts = read_tsv(CORPUS / "utterances.tsv")
    meetings = load_meetings() if not args.skip_meetings or args.long_hours > 0 else {}
    names = (["m1"] if args.quick else sorted(meetings)) if meetings else []
    if args.quick:
        utts = utts[:12]
    summary: dict = {"model": recognizer.name, "device": recognizer.device, "compute_type": recognizer.compute_type,
                     "beam_size": BEAM, "quick": args.quick, "cpu_count": os.cpu_count(),
                     "vocabulary_entries": len(entries)}

    log("warm-up …")
    warm = CORPUS / "audio" / f"{utts[0]['id']}.flac"
    direct_transcribe(recognizer.model, warm)
    transcribe_file(warm, recognizer=recognizer, diarize=True)
    transcribe_file(warm, recognizer=recognizer, entries=entries, diarize=False)

    if not args.skip_meetings:
        log(f"speed on {', '.join(names)} ({args.rounds} rounds) …")
        speed, uncounted, _ = speed_and_diar(recognizer, meetings, names, rounds=args.rounds)
        summary["speed"] = speed
        log(f"  RTF direct {speed['rtf_direct']}, ours {speed['rtf_ours_no_diarization']} "
            f"({speed['overhead_pct_vs_direct']:+.1f}%), with diarization {speed['rtf_ours_diarization']}")
        log("diarization with the true speaker count …")
        counted = {}
        for m in names:
            res = transcribe_file(CORPUS / "meetings" / f"{m}.flac", recognizer=recognizer, diarize=True,
                                  num_speakers=meetings[m]["speakers"])
            counted[m] = diar_accuracy(res, meetings[m]["turns"])
        free = {m: diar_accuracy(uncounted[m], meetings[m]["turns"]) for m in names}

        def overall(d):
            tot = sum(v["segment_seconds"] for v in d.values())
            return round(sum(v["accuracy"] * v["segment_seconds"] for v in d.values()) / tot, 4) if tot else 0.0

        summary["diarization"] = {"num_speakers_given": {"overall": overall(counted), "meetings": counted},
                                  "no_count_min1_max8": {"overall": overall(free), "meetings": free}}
        for m in names:
            log(f"  {m}: given {counted[m]['accuracy']:.1%}, free {free[m]['accuracy']:.1%} "
                f"({free[m]['speakers_found']} found / {free[m]['speakers_true']} true)")

    if not args.skip_cer:
        log(f"CER on {len(utts)} utterances, no dictionary …")
        plain = cer_pass(recognizer, utts, None)
        log(f"  CER {plain['cer']:.2%} (raw {plain['cer_raw']:.2%}) in {plain['seconds']}s")
        log(f"CER with {len(entries)} dictionary entries …")
        voc = cer_pass(recognizer, utts, entries)
        log(f"  CER {voc['cer']:.2%} (raw {voc['cer_raw']:.2%}) in {voc['seconds']}s")
        for r_plain, r_voc in zip(plain["rows"], voc["rows"]):
            if r_plain["err"] or r_voc["err"]:
                log(f"  {r_plain['id']} {r_plain['err']:>2}/{r_voc['err']:>2}  REF {r_plain['ref']}\n"
                    f"                HYP {r_plain['hyp']}\n                VOC {r_voc['hyp']}"
                    + (f"  {r_voc['corrections']}" if r_voc["corrections"] else ""))
        changed = [{"id": a["id"], "without": a["hyp"], "with": b["hyp"], "err_without": a["err"], "err_with": b["err"],
                    "corrections": b["corrections"]} for a, b in zip(plain["rows"], voc["rows"]) if a["hyp"] != b["hyp"]]
        summary["cer"] = {
            "without_dictionary": {k: v for k, v in plain.items() if k != "rows"},
            "with_dictionary": {k: v for k, v in voc.items() if k != "rows"},
            "changed_by_dictionary": changed,
            "worst_without_dictionary": sorted(
                ({"id": r["id"], "cer": round(r["err"] / max(r["ref_len"], 1), 3), "ref": r["ref"], "hyp": r["hyp"]}
                 for r in plain["rows"]), key=lambda r: -r["cer"])[:5],
        }

    if args.long_hours > 0:
        log(f"long recording, {args.long_hours:g} h …")
        if args.scratch:
            summary["long"] = long_recording(args.long_hours, args.scratch, meetings)
        else:
            tmp = Path(tempfile.mkdtemp(prefix="minutes-bench-"))
            try:
                summary["long"] = long_recording(args.long_hours, tmp, meetings)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        lg = summary["long"]
        log(f"  {lg['audio_seconds'] / 3600:.2f} h: RTF {lg['rtf']}, peak RSS {lg['peak_rss_mb']} MB")

    summary["bench_wall_s"] = round(time.perf_counter() - t_start, 1)
    text = json.dumps(summary, ensure_ascii=False, indent=1)
    print(text)
    if args.json_out:
        args.json_out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
