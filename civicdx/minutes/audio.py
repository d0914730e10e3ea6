"""Audio in: any format ffmpeg reads (wav, mp3, m4a, wma, mp4 video …) to 16 kHz mono PCM on disk.

Long recordings are never held in memory whole: ``decode`` writes raw 16-bit samples to a file, ``open_pcm``
maps it, and ``chunk_bounds`` cuts it into pieces of about ten minutes at the quietest moment near each cut.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000


class AudioError(Exception):
    """A file that is not usable audio; the message is Japanese and names the file."""


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise AudioError(f"{name} が見つかりません。Debian の ffmpeg パッケージをインストールしてください。")
    return path


def probe(path: Path | str) -> float:
    """Duration in seconds of the first audio stream; AudioError when there is none."""
    name = Path(path).name
    proc = subprocess.run(
        [_tool("ffprobe"), "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=codec_name,duration:format=duration",
         "-of", "json", str(path)], capture_output=True, text=True, timeout=120,
    )
    if proc.returncode != 0:
        raise AudioError(f"「{name}」は音声ファイルとして読めません（{_first_line(proc.stderr)}）。")
    info = json.loads(proc.stdout or "{}")
    if not info.get("streams"):
        raise AudioError(f"「{name}」に音声トラックがありません。")
    duration = info["streams"][0].get("duration") or info.get("format", {}).get("duration")
    try:
        return float(duration)
    except (TypeError, ValueError):
        return 0.0


def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    return lines[-1][:200] if lines else "不明なエラー"


def decode(src: Path | str, dst: Path | str) -> int:
    """Write ``src`` as raw 16 kHz mono signed 16-bit samples to ``dst``; return the sample count."""
    proc = subprocess.run(
        [_tool("ffmpeg"), "-nostdin", "-v", "error", "-y", "-i", str(src), "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE),
         "-f", "s16le", "-acodec", "pcm_s16le", str(dst)], capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise AudioError(f"「{Path(src).name}」を音声に変換できません（{_first_line(proc.stderr)}）。")
    samples = Path(dst).stat().st_size // 2
    if samples < SAMPLE_RATE // 10:
        raise AudioError(f"「{Path(src).name}」の音声が短すぎます（0.1秒未満）。")
    return samples


def open_pcm(path: Path | str) -> np.ndarray:
    """The decoded samples as a read-only int16 memory map."""
    return np.memmap(path, dtype="<i2", mode="r")


def to_float(samples: np.ndarray) -> np.ndarray:
    return (np.asarray(samples, dtype=np.float32) / 32768.0).astype(np.float32, copy=False)


def chunk_bounds(pcm: np.ndarray, chunk_s: float = 600.0, search_s: float = 30.0) -> Iterator[tuple[int, int]]:
    """(start, end) sample ranges of about ``chunk_s`` seconds, each cut at the quietest 0.2 s frame
    of the last ``search_s`` seconds before the nominal cut, so that no word is split."""
    n = len(pcm)
    size, search, frame = int(chunk_s * SAMPLE_RATE), int(search_s * SAMPLE_RATE), SAMPLE_RATE // 5
    start = 0
    while start < n:
        end = start + size
        if end + size // 4 >= n:  # a short tail joins the last chunk
            yield start, n
            return
        lo = max(start + size // 2, end - search)
        window = np.asarray(pcm[lo:end], dtype=np.float32)
        frames = window[: len(window) // frame * frame].reshape(-1, frame)
        cut = lo + int(np.argmin((frames ** 2).mean(axis=1))) * frame + frame // 2 if len(frames) else end
        yield start, cut
        start = cut
