"""AI-OCR accuracy and speed on the synthetic form set in bench/ocr_corpus (see its README).

For every engine choice (tesseract, rapidocr, both) every page is sorted, aligned and read exactly as the
platform's job does (civicdx.ocr.reader.read_page), then compared with truth.json:

- sorting: pages sent to the right form, foreign pages set aside;
- field accuracy (exact canonical value; spaces inside names are ignored) and character accuracy (1 − CER),
  per engine and per field type;
- flagged: fields the platform sends to a person; wrong-and-unflagged: the costly errors;
- seconds per page, against raw Tesseract (jpn, automatic page segmentation) reading the same full pages.

    uv run python bench/ocr_bench.py [--engines tesseract,rapidocr,both] [--limit N] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = ROOT / "bench" / "ocr_corpus"


def _cer(expected: str, got: str) -> tuple[int, int]:
    """(edit distance, length of expected)."""
    a, b = expected, got
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1], len(a)


def _canon(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return "".join(str(value).split())


def quality(flaws: dict) -> str:
    """The scan's compression, the flaw that decides most misreadings at 150 dpi."""
    if flaws.get("color") == "1bit":
        return "1-bit (fax-like)"
    q = flaws.get("jpeg")
    if q is None:
        return "lossless"
    return "JPEG q ≥ 70" if q >= 70 else ("JPEG q 50–69" if q >= 50 else "JPEG q < 50")


def load_forms():
    import cv2

    from civicdx.ocr.fields import parse_fields
    from civicdx.ocr.reader import FormSpec

    forms = []
    for folder in sorted((CORPUS / "forms").iterdir()):
        data = json.loads((folder / "fields.json").read_text(encoding="utf-8"))
        image = cv2.imread(str(folder / "template.png"), cv2.IMREAD_GRAYSCALE)
        forms.append(FormSpec.build(folder.name, folder.name, image, parse_fields(data)))
    return forms


def load_pages(limit: int | None):
    from civicdx.ocr import imaging

    truth = json.loads((CORPUS / "truth.json").read_text(encoding="utf-8"))["pages"]
    by_file = defaultdict(dict)
    for item in truth:
        by_file[item["file"]][item["page"]] = item
    pages = []
    for file, items in by_file.items():
        for number, image in imaging.load_pages((CORPUS / file).read_bytes(), file, dpi=150):
            pages.append((items[number], image))
    return pages[:limit] if limit else pages


def run_engine(engine: str, forms, pages) -> dict:
    from civicdx.ocr.reader import read_page

    types = {f.name: {s.name: s.type for s in f.fields} for f in forms}
    stats = {"pages": 0, "sorted_right": 0, "foreign": 0, "foreign_set_aside": 0, "aligned_forms": 0, "forms": 0,
             "fields": 0, "right": 0, "flagged": 0, "wrong": 0, "wrong_unflagged": 0, "right_flagged": 0,
             "edits": 0, "chars": 0, "seconds": []}
    by_type = defaultdict(lambda: {"fields": 0, "right": 0, "flagged": 0, "wrong_unflagged": 0, "edits": 0, "chars": 0})
    by_quality = defaultdict(lambda: {"pages": 0, "fields": 0, "right": 0, "flagged": 0, "wrong_unflagged": 0})
    examples = []
    for truth, image in pages:
        started = time.perf_counter()
        result = read_page(image, forms, engine=engine)
        stats["seconds"].append(time.perf_counter() - started)
        stats["pages"] += 1
        got_form = result.form.name if result.aligned else None
        if truth["form"] is None:
            stats["foreign"] += 1
            stats["foreign_set_aside"] += got_form is None
            stats["sorted_right"] += got_form is None
            continue
        stats["forms"] += 1
        stats["sorted_right"] += got_form == truth["form"]
        if got_form != truth["form"]:
            examples.append({"file": truth["file"], "page": truth["page"], "problem": f"form {got_form}: {result.reason}"})
            # every field of a form that was not read counts as flagged (the page goes to a person), not as right
            for name, expected in truth["values"].items():
                kind = types[truth["form"]][name]
                stats["fields"] += 1
                stats["flagged"] += 1
                by_type[kind]["fields"] += 1
                by_type[kind]["flagged"] += 1
            continue
        stats["aligned_forms"] += 1
        q = by_quality[quality(truth["flaws"])]
        q["pages"] += 1
        for name, expected in truth["values"].items():
            kind = types[truth["form"]][name]
            field = result.fields[name]
            want, got = _canon(expected), _canon(field.value)
            right = want == got
            edits, chars = _cer(want, got) if kind not in ("checkbox", "stamp") else (int(not right), 1)
            t = by_type[kind]
            stats["fields"] += 1
            t["fields"] += 1
            stats["right"] += right
            t["right"] += right
            stats["flagged"] += field.needs_review
            t["flagged"] += field.needs_review
            q["fields"] += 1
            q["right"] += right
            q["flagged"] += field.needs_review
            q["wrong_unflagged"] += (not right) and not field.needs_review
            stats["edits"] += edits
            stats["chars"] += chars
            t["edits"] += edits
            t["chars"] += chars
            if not right:
                stats["wrong"] += 1
                if not field.needs_review:
                    stats["wrong_unflagged"] += 1
                    t["wrong_unflagged"] += 1
                examples.append({"file": truth["file"], "page": truth["page"], "field": name, "type": kind,
                                 "expected": want, "got": got, "raw": field.raw, "confidence": round(field.confidence, 3),
                                 "flagged": field.needs_review, "reasons": field.reasons, "engines": field.engines})
            elif field.needs_review:
                stats["right_flagged"] += 1
    seconds = stats.pop("seconds")
    stats["seconds_per_page_mean"] = statistics.mean(seconds)
    stats["seconds_per_page_median"] = statistics.median(seconds)
    stats["seconds_per_page_max"] = max(seconds)
    n = stats["fields"]
    stats["field_accuracy_pct"] = 100 * stats["right"] / n
    stats["char_accuracy_pct"] = 100 * (1 - stats["edits"] / max(1, stats["chars"]))
    stats["flagged_pct"] = 100 * stats["flagged"] / n
    stats["wrong_unflagged_pct"] = 100 * stats["wrong_unflagged"] / n
    for t in by_type.values():
        t["field_accuracy_pct"] = 100 * t["right"] / t["fields"]
        t["char_accuracy_pct"] = 100 * (1 - t["edits"] / max(1, t["chars"]))
        t["flagged_pct"] = 100 * t["flagged"] / t["fields"]
    stats["by_type"] = dict(sorted(by_type.items()))
    for q in by_quality.values():
        q["field_accuracy_pct"] = 100 * q["right"] / q["fields"]
        q["flagged_pct"] = 100 * q["flagged"] / q["fields"]
    stats["by_quality"] = dict(sorted(by_quality.items()))
    stats["errors"] = examples
    return stats


def raw_tesseract(pages) -> float:
    """Seconds per page for plain Tesseract (jpn, automatic segmentation) on the same full pages."""
    import tesserocr
    from PIL import Image

    from civicdx.ocr.engines import tessdata_dir
    from civicdx.ocr.imaging import to_gray

    api = tesserocr.PyTessBaseAPI(path=tessdata_dir() + "/", lang="jpn", psm=tesserocr.PSM.AUTO,
                                  oem=tesserocr.OEM.LSTM_ONLY)
    seconds = []
    for _truth, image in pages:
        started = time.perf_counter()
        api.SetImage(Image.fromarray(to_gray(image)))
        api.GetUTF8Text()
        seconds.append(time.perf_counter() - started)
    api.End()
    return statistics.mean(seconds)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="tesseract,rapidocr,both")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--raw-pages", type=int, default=20, help="pages for the raw Tesseract baseline")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    forms = load_forms()
    pages = load_pages(args.limit)
    result = {"pages": len(pages), "forms": [f.name for f in forms], "engines": {}}
    for engine in args.engines.split(","):
        # warm the engine (model load) outside the timing
        run_engine(engine, forms, pages[:1])
        result["engines"][engine] = run_engine(engine, forms, pages)
        s = result["engines"][engine]
        print(f"{engine:10s} fields {s['fields']}  right {s['field_accuracy_pct']:.2f}%  chars {s['char_accuracy_pct']:.2f}%  "
              f"flagged {s['flagged_pct']:.1f}%  wrong-unflagged {s['wrong_unflagged']} ({s['wrong_unflagged_pct']:.2f}%)  "
              f"sorted {s['sorted_right']}/{s['pages']}  {s['seconds_per_page_mean']:.2f} s/page", flush=True)
    raw_pages = [p for p in pages if p[0]["form"]][:args.raw_pages]
    raw_tesseract(raw_pages[:1])
    result["raw_tesseract_seconds_per_page"] = raw_tesseract(raw_pages)
    print(f"raw Tesseract full page: {result['raw_tesseract_seconds_per_page']:.2f} s/page", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
