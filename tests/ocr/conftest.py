"""AI-OCR fixtures: the sample set in civicdx/ocr/samples/ (a 申請書 template with its fields, three filled scans
with flaws, a 2-page PDF of a 届出書 and a foreign page; see bench/ocr_corpus/make_corpus.py) and the デジラボ test
city (tests.digilab.conftest.lab) for the services."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from civicdx.ocr.demo import SAMPLES as DATA
from tests.digilab.conftest import Lab, client_for, lab  # noqa: F401  (fixtures shared with デジラボ)

SCANS = ["shinsei_clean.jpg", "shinsei_rotated.jpg", "shinsei_upside_down.jpg"]


def truth() -> dict:
    """(file, page) → the page's expected form and values."""
    pages = json.loads((DATA / "truth.json").read_text(encoding="utf-8"))["pages"]
    return {(p["file"], p["page"]): p for p in pages}


def form_files(name: str) -> tuple[Path, dict]:
    folder = DATA / "forms" / name
    return folder / "template.png", json.loads((folder / "fields.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def shinsei_spec():
    import cv2

    from civicdx.ocr.fields import parse_fields
    from civicdx.ocr.reader import FormSpec

    template, fields = form_files("shinsei")
    return FormSpec.build("shinsei", "shinsei", cv2.imread(str(template)), parse_fields(fields))


def upload(path: Path, name: str | None = None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name or path.name, path.read_bytes())
