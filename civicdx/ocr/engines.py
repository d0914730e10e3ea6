"""The two offline OCR engines, each reading one single-line field crop and saying how sure it is.

- Tesseract 5 through tesserocr, with the ``jpn`` traineddata from Debian's ``tesseract-ocr-jpn``, page
  segmentation "single line" and the field's allowed characters as a whitelist.
- RapidOCR with the PP-OCRv6 small recogniser bundled in the ``rapidocr`` wheel (no download: the model files
  ship inside the package), used without its detector because the field box already is the line.

Engines are loaded once per thread and kept. Pure: no Django.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from civicdx.core.errors import ApplicationError

TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                 "/usr/share/tessdata")
_local = threading.local()


@dataclass
class Reading:
    text: str
    confidence: float  # 0..1


def tessdata_dir() -> str:
    configured = os.environ.get("TESSDATA_PREFIX")
    for candidate in ([configured] if configured else []) + list(TESSDATA_DIRS):
        if candidate and (Path(candidate) / "jpn.traineddata").exists():
            return candidate
    raise ApplicationError("ocr_tesseract_missing",
                           "Tesseract の日本語データ（jpn.traineddata）が見つかりません。"
                           "apt-get install tesseract-ocr-jpn を実行してください。", status=503)


def _tesseract():
    api = getattr(_local, "tesseract", None)
    if api is None:
        import tesserocr

        api = tesserocr.PyTessBaseAPI(path=tessdata_dir() + "/", lang="jpn", psm=tesserocr.PSM.SINGLE_LINE,
                                      oem=tesserocr.OEM.LSTM_ONLY)
        api.SetVariable("preserve_interword_spaces", "1")
        _local.tesseract = api
    return api


def _rapidocr():
    engine = getattr(_local, "rapidocr", None)
    if engine is None:
        logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        from rapidocr import RapidOCR

        engine = RapidOCR(params={"Global.log_level": "warning", "Global.use_cls": False,
                                  "EngineConfig.onnxruntime.intra_op_num_threads": 1})
        _local.rapidocr = engine
    return engine


def read_tesseract(gray: np.ndarray, allowed: str = "") -> Reading:
    from PIL import Image

    api = _tesseract()
    api.SetVariable("tessedit_char_whitelist", allowed)
    api.SetImage(Image.fromarray(gray))
    text = api.GetUTF8Text().strip()
    confidences = [c for c in api.AllWordConfidences() if c >= 0]
    if not text:
        return Reading("", 0.0)
    # The weakest word decides: one doubtful character is enough to make the whole value doubtful.
    return Reading(_join_cjk(text), min(confidences) / 100 if confidences else 0.0)


def read_rapidocr(gray: np.ndarray) -> Reading:
    engine = _rapidocr()
    image = np.repeat(gray[..., None], 3, axis=2) if gray.ndim == 2 else gray
    result = engine(image, use_det=False, use_cls=False, use_rec=True)
    texts = list(result.txts or ())
    scores = list(result.scores or ())
    if not texts:
        return Reading("", 0.0)
    return Reading(_join_cjk(" ".join(texts).strip()), float(min(scores)) if scores else 0.0)


def _is_wide(ch: str) -> bool:
    return ord(ch) > 0x2E80


def _join_cjk(text: str) -> str:
    """Tesseract puts spaces between Japanese characters; keep only spaces between two Latin/digit runs."""
    out = []
    for i, ch in enumerate(text):
        if ch == " ":
            prev = out[-1] if out else ""
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if not prev or not nxt or prev == " " or _is_wide(prev) or _is_wide(nxt):
                continue
        out.append(ch)
    return "".join(out)
