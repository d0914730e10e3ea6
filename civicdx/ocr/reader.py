"""Reading one scanned page against the city's form definitions: sort it to a form, align it, cut the fields,
read each with the engine its definition asks for, post-process the value and say whether a person must look.
Pure: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from civicdx.ocr import engines, imaging
from civicdx.ocr.fields import MARK_TYPES, Field, Outcome, normalize, review_reasons

CHECK_THRESHOLD = 0.08  # share of the box's inside newly inked: a tick or a filled square
STAMP_THRESHOLD = 0.02  # share of red pixels in the 押印 area
EMPTY_INK = 25  # fewer stroke pixels than this and a text cell is blank (a 。 alone has more)
# When the engines disagree, the value shown first comes from the engine that reads the type better on our
# test set (bench/ocr_bench.py): Tesseract's Japanese model keeps small kana (ョ, ッ) that PP-OCR often enlarges.
PREFERRED_ENGINE = {"kana": "tesseract"}


@dataclass
class FormSpec:
    """A form definition version ready for reading: its template's features, blank image and fields."""

    key: object
    name: str
    template: imaging.Template
    blank: np.ndarray  # the template in grey, for what is printed inside a box before anyone fills it
    fields: list[Field]

    @classmethod
    def build(cls, key, name: str, template_image: np.ndarray, fields: list[Field]) -> "FormSpec":
        gray = imaging.to_gray(template_image)
        return cls(key=key, name=name, template=imaging.Template.from_image(key, gray), blank=gray, fields=fields)


@dataclass
class FieldResult:
    value: str
    raw: str
    confidence: float
    reasons: list[str]
    engines: dict = field(default_factory=dict)

    @property
    def needs_review(self) -> bool:
        return bool(self.reasons)

    def as_dict(self) -> dict:
        return {"value": self.value, "raw": self.raw, "confidence": round(self.confidence, 3),
                "needs_review": self.needs_review, "reasons": self.reasons, "engines": self.engines}


@dataclass
class PageResult:
    form: FormSpec | None
    aligned: bool
    reason: str
    inliers: int
    error_px: float
    image: np.ndarray  # the page in template space when aligned, else as scanned
    fields: dict[str, FieldResult]

    @property
    def needs_review(self) -> bool:
        return not self.aligned or any(f.needs_review for f in self.fields.values())


def read_page(image: np.ndarray, forms: list[FormSpec], *, engine: str | None = None) -> PageResult:
    """Sort, align and read one BGR page. ``engine`` overrides every field's own engine choice."""
    alignment = imaging.identify(imaging.PageFeatures.from_image(image), [f.template for f in forms])
    form = next((f for f in forms if alignment.template is not None and f.template is alignment.template), None)
    if not alignment.ok:
        return PageResult(form if alignment.inliers else None, False, alignment.reason, alignment.inliers,
                          alignment.error_px, image, {})
    aligned = imaging.warp(image, alignment)
    gray = cv2.cvtColor(aligned, cv2.COLOR_BGR2GRAY)
    colour = imaging.is_colour(image)
    results = {spec.name: read_field(aligned, gray, form, spec, engine=engine, colour=colour) for spec in form.fields}
    return PageResult(form, True, "", alignment.inliers, alignment.error_px, aligned, results)


def read_field(aligned: np.ndarray, gray: np.ndarray, form: FormSpec, spec: Field, *, engine: str | None = None,
               colour: bool = True) -> FieldResult:
    if spec.type in MARK_TYPES:
        return _read_mark(aligned, gray, form, spec, colour)
    cell = imaging.crop(gray, spec.bbox)
    binary = imaging.clean_text_crop(cell)
    if imaging.ink_pixels(binary) < EMPTY_INK:
        return FieldResult("", "", 1.0, review_reasons(spec, raw="", outcome=normalize(spec, ""), confidence=1.0))
    choice = engine or spec.engine
    segments = [_tight(cell[:, x0:x1], binary[:, x0:x1]) for x0, x1 in _words(binary)]
    joiner = "　" if spec.type in ("text", "kana", "free") else ""
    readings = {}
    if choice in ("tesseract", "both"):
        readings["tesseract"] = _joined([engines.read_tesseract(s, spec.allowed) for s in segments], joiner)
    if choice in ("rapidocr", "both"):
        readings["rapidocr"] = _joined([engines.read_rapidocr(s) for s in segments], joiner)
    outcomes = {name: normalize(spec, r.text) for name, r in readings.items()}
    disagree = len({"".join(o.value.split()) for o in outcomes.values()}) > 1
    # Prefer a value that passes its checks, then the engine that reads this type better, then the more confident.
    preferred = PREFERRED_ENGINE.get(spec.type)
    best = max(readings, key=lambda n: (not outcomes[n].problems, disagree and n == preferred, readings[n].confidence))
    reading, outcome = readings[best], outcomes[best]
    confidence = reading.confidence if not disagree else min(r.confidence for r in readings.values())
    reasons = review_reasons(spec, raw=reading.text, outcome=outcome, confidence=confidence, disagree=disagree)
    return FieldResult(outcome.value, reading.text, confidence, reasons,
                       {name: {"text": r.text, "confidence": round(r.confidence, 3)} for name, r in readings.items()})


def _joined(parts: list[engines.Reading], joiner: str) -> engines.Reading:
    texts = [p.text for p in parts if p.text]
    return engines.Reading(joiner.join(texts), min((p.confidence for p in parts), default=0.0))


def _words(binary: np.ndarray) -> list[tuple[int, int]]:
    """Column ranges of the runs of ink separated by a gap wider than ~0.8 of the text height (a full-width space
    between 姓 and 名). Read one by one, a gap is neither dropped nor read as 「ー」."""
    ink = binary < 128
    rows = np.nonzero(ink.any(axis=1))[0]
    cols = ink.any(axis=0)
    height = rows[-1] - rows[0] + 1 if len(rows) else 0
    min_gap = max(12, int(height * 0.8))
    runs, start, gap = [], None, 0
    for x, filled in enumerate(cols):
        if filled:
            if start is None:
                start = x
            elif gap >= min_gap:
                runs.append((start, x - gap))
                start = x
            gap = 0
        elif start is not None:
            gap += 1
    if start is not None:
        runs.append((start, len(cols) - gap))
    return [(max(0, a - 2), min(len(cols), b + 2)) for a, b in runs if b > a]


def _tight(cell: np.ndarray, binary: np.ndarray, pad: int = 8) -> np.ndarray:
    """The grey cell cut to its ink (ruled lines already erased) with a white margin, as both engines like."""
    ys, xs = np.nonzero(binary < 128)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    ink = cell[y0:y1, x0:x1].copy()
    ink[binary[y0:y1, x0:x1] >= 128] = 255
    return cv2.copyMakeBorder(ink, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)


def _read_mark(aligned: np.ndarray, gray: np.ndarray, form: FormSpec, spec: Field, colour: bool) -> FieldResult:
    """Checkbox: new dark ink inside the box. Stamp: red ink in the area (or new dark ink on a grey scan)."""
    printed = imaging.mark_ratio(imaging.crop(form.blank, spec.bbox))
    if spec.type == "stamp" and colour:
        ratio = imaging.red_ratio(imaging.crop(aligned, spec.bbox))
        threshold = STAMP_THRESHOLD
    else:
        ratio = max(0.0, imaging.mark_ratio(imaging.crop(gray, spec.bbox)) - printed)
        threshold = CHECK_THRESHOLD if spec.type == "checkbox" else STAMP_THRESHOLD * 2
    marked = ratio >= threshold
    # Far from the threshold on either side is certain; within half of it either way is doubtful.
    confidence = float(min(1.0, abs(ratio - threshold) / (threshold * 0.5)))
    unclear = confidence < 1.0
    value = "1" if marked else "0"
    no_colour = spec.type == "stamp" and not colour
    if no_colour:  # dark ink in the seal area is only a guess: the signature or the printed 印 may be it
        confidence = min(confidence, 0.5)
    reasons = review_reasons(spec, raw="", outcome=Outcome(value), confidence=confidence, unclear_mark=unclear,
                             no_colour=no_colour)
    return FieldResult(value, f"{ratio:.3f}", confidence, reasons)
