"""The reading engine on real images: page loading, alignment, sorting, marks and field reading with Tesseract
and RapidOCR (both installed from Debian/PyPI, nothing downloaded)."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from civicdx.core.errors import ApplicationError
from civicdx.ocr import imaging
from civicdx.ocr.reader import read_page
from tests.ocr.conftest import DATA, SCANS, form_files, truth


def _canon(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return "".join(str(value).split())


def test_alignment_recovers_a_known_rotation_and_shift(shinsei_spec):
    template = shinsei_spec.blank
    h, w = template.shape
    # scan = rotate 2.5° about the centre, scale 1.02, shift (+31, −17)
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), 2.5, 1.02)
    matrix[:, 2] += (31, -17)
    scan = cv2.warpAffine(template, matrix, (w, h), borderValue=255)
    alignment = imaging.align(imaging.PageFeatures.from_image(scan), shinsei_spec.template)
    assert alignment.ok, alignment.reason
    assert alignment.inliers > 100 and alignment.error_px < 1.5
    # the homography found (scan → template) must undo the known transform: template corners come back
    corners = np.float32([[0, 0], [w, 0], [0, h], [w, h], [w / 2, h / 2]])
    in_scan = cv2.transform(corners.reshape(-1, 1, 2), matrix)
    back = cv2.perspectiveTransform(in_scan.astype(np.float32), alignment.homography).reshape(-1, 2)
    assert np.abs(back - corners).max() < 2.0


def test_blank_and_foreign_pages_are_set_aside(shinsei_spec):
    blank = np.full((1754, 1240), 255, np.uint8)
    result = read_page(cv2.cvtColor(blank, cv2.COLOR_GRAY2BGR), [shinsei_spec])
    assert not result.aligned and "特徴点" in result.reason
    pages = dict(imaging.load_pages((DATA / "mixed.pdf").read_bytes(), "mixed.pdf"))
    foreign = read_page(pages[2], [shinsei_spec])
    assert not foreign.aligned and foreign.reason


def test_sorting_picks_the_right_form(shinsei_spec):
    from civicdx.ocr.fields import parse_fields
    from civicdx.ocr.reader import FormSpec

    template, fields = form_files("todoke")
    todoke = FormSpec.build("todoke", "todoke", cv2.imread(str(template)), parse_fields(fields))
    pages = dict(imaging.load_pages((DATA / "mixed.pdf").read_bytes(), "mixed.pdf"))
    assert read_page(pages[1], [shinsei_spec, todoke]).form is todoke
    upside_down = next(imaging.load_pages((DATA / "shinsei_upside_down.jpg").read_bytes(), "x.jpg"))[1]
    result = read_page(upside_down, [todoke, shinsei_spec])
    assert result.aligned and result.form is shinsei_spec


def _read_fixtures(spec, engine):
    expected = truth()
    right = total = 0
    unflagged = []
    for name in SCANS:
        image = next(imaging.load_pages((DATA / name).read_bytes(), name))[1]
        result = read_page(image, [spec], engine=engine)
        assert result.aligned, result.reason
        for field, want in expected[(name, 1)]["values"].items():
            got = result.fields[field]
            total += 1
            if _canon(got.value) == _canon(want):
                right += 1
            elif not got.needs_review:
                unflagged.append(f"{name} {field}: {got.value!r} ≠ {want!r}")
    return right / total, unflagged


def test_both_engines_flag_every_wrong_value(shinsei_spec):
    """The costly error is a wrong value nobody is asked to look at: with both engines compared there must be
    none on the fixture scans, and nearly all fields must be right."""
    accuracy, unflagged = _read_fixtures(shinsei_spec, "both")
    assert unflagged == []
    assert accuracy > 0.9


@pytest.mark.parametrize("engine", ["tesseract", "rapidocr"])
def test_single_engines_read_most_fields(shinsei_spec, engine):
    accuracy, unflagged = _read_fixtures(shinsei_spec, engine)
    assert accuracy > 0.8 and len(unflagged) <= 2


def test_checkboxes_and_stamps(shinsei_spec):
    expected = truth()
    for name in SCANS:
        image = next(imaging.load_pages((DATA / name).read_bytes(), name))[1]
        result = read_page(image, [shinsei_spec])
        for field in shinsei_spec.fields:
            if field.type not in ("checkbox", "stamp"):
                continue
            got = result.fields[field.name]
            want = expected[(name, 1)]["values"][field.name]
            if field.type == "stamp" and not imaging.is_colour(image):
                assert "no_colour" in got.reasons  # a grey scan cannot show 朱肉: a person decides
            else:
                assert got.value == ("1" if want else "0"), (name, field.name)


def test_stamp_needs_red_ink():
    red = np.full((120, 120, 3), 255, np.uint8)
    cv2.circle(red, (60, 60), 40, (40, 40, 220), 6)
    black = np.full((120, 120, 3), 255, np.uint8)
    cv2.circle(black, (60, 60), 40, (30, 30, 30), 6)
    assert imaging.red_ratio(red) > 0.05
    assert imaging.red_ratio(black) == 0.0


def test_pdf_tiff_and_images_load_as_pages():
    frames = [Image.new("L", (400, 300), 255), Image.new("L", (400, 300), 128)]
    tiff = io.BytesIO()
    frames[0].save(tiff, format="TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw")
    pages = list(imaging.load_pages(tiff.getvalue(), "a.tif"))
    assert [n for n, _ in pages] == [1, 2] and pages[1][1].shape == (300, 400, 3)
    pdf = list(imaging.load_pages((DATA / "mixed.pdf").read_bytes(), "mixed.pdf", dpi=150))
    assert len(pdf) == 2 and abs(pdf[0][1].shape[1] - 1240) < 5


@pytest.mark.parametrize("data, message", [
    (b"not an image at all", "読める画像ではありません"),
    (b"%PDF-1.4 broken", "PDFとして読めません"),
])
def test_bad_files_get_a_japanese_error_naming_the_file(data, message):
    with pytest.raises(ApplicationError, match=message) as err:
        list(imaging.load_pages(data, "申請書.pdf"))
    assert "申請書.pdf" in err.value.message


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_decompression_bomb_is_refused():
    big = io.BytesIO()
    Image.new("1", (9000, 9000), 1).save(big, format="PNG")
    with pytest.raises(ApplicationError, match="大きすぎます"):
        list(imaging.load_pages(big.getvalue(), "huge.png"))
