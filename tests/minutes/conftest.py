"""AI議事録 fixtures: the synthesised clips in data/ (two_voices is civicdx/minutes/data/demo_meeting.flac) (see bench/minutes_corpus/make_corpus.py), the joined
whisper-base model, and the デジラボ test city (tests.digilab.conftest.lab) for the services."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.digilab.conftest import Lab, client_for, lab  # noqa: F401  (fixtures shared with デジラボ)

DATA = Path(__file__).parent / "data"


def clip(name: str) -> Path:
    if name == "two_voices":  # the same clip is the demo meeting, bundled with the package
        from civicdx.minutes.demo import DEMO_AUDIO

        return DEMO_AUDIO
    return DATA / f"{name}.flac"


def clip_text(name: str) -> str:
    return (DATA / f"{name}.txt").read_text(encoding="utf-8").strip()


def clip_turns(name: str) -> list[dict]:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))["turns"]


@pytest.fixture(scope="session")
def recognizer():
    from django.conf import settings

    from civicdx.minutes.asr import Recognizer, install_base_model

    return Recognizer(install_base_model(settings.CIVICDX_ASR_MODEL_DIR), beam_size=5)


@pytest.fixture(scope="session")
def short_transcript(recognizer):
    from civicdx.minutes.transcript import transcribe_file

    return transcribe_file(clip("short"), recognizer=recognizer)


@pytest.fixture(scope="session")
def two_voice_transcript(recognizer):
    from civicdx.minutes.transcript import transcribe_file

    return transcribe_file(clip("two_voices"), recognizer=recognizer, num_speakers=2)
