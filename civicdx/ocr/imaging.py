"""Scans and templates as images: reading PDF/TIFF/PNG/JPEG into pages, aligning a page to a template (ORB
features + RANSAC homography), sorting a page to the best template (仕分け), cutting fields, and reading marks
(checkbox ink, red 押印) by ink ratio. Pure: no Django.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps, ImageSequence

from civicdx.core.errors import ApplicationError

# A page larger than this is refused before decoding (a decompression bomb, or a poster-sized scan).
MAX_PIXELS = 60_000_000
MAX_PAGES_PER_FILE = 500
FEATURE_SIDE = 1000  # ORB runs on images scaled so that their longer side is this many pixels
ORB_FEATURES = 3000
MIN_INLIERS = 40
MIN_INLIER_RATIO = 0.25

Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def _to_bgr(image: Image.Image) -> np.ndarray:
    image = ImageOps.exif_transpose(image)
    if image.mode in ("1", "L", "I;16", "I", "F"):
        return cv2.cvtColor(np.asarray(image.convert("L")), cv2.COLOR_GRAY2BGR)
    return cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2BGR)


def is_colour(image: np.ndarray) -> bool:
    """Whether a BGR page has any colour at all (a grey or 1-bit scan cannot show a red seal)."""
    small = image[::8, ::8].astype(np.int16)
    return bool(np.abs(small[..., 2] - small[..., 0]).max() > 30 or np.abs(small[..., 2] - small[..., 1]).max() > 30)


def _open_image(data: bytes, name: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.size  # noqa: B018 - forces the header to be parsed
    except Image.DecompressionBombError:
        raise ApplicationError("ocr_image_too_large", f"「{name}」の画像が大きすぎます（{MAX_PIXELS:,}画素まで）。") from None
    except Exception:
        raise ApplicationError(
            "ocr_not_an_image", f"「{name}」は読める画像ではありません（PDF・TIFF・PNG・JPEG を使ってください）。") from None
    if image.width * image.height > MAX_PIXELS:
        raise ApplicationError("ocr_image_too_large", f"「{name}」の画像が大きすぎます（{MAX_PIXELS:,}画素まで）。")
    return image


def _open_pdf(data: bytes, name: str):
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception:
        raise ApplicationError("ocr_pdf_broken", f"「{name}」はPDFとして読めません（壊れているか、パスワード付きです）。") from None
    if len(pdf) > MAX_PAGES_PER_FILE:
        pdf.close()
        raise ApplicationError("ocr_too_many_pages", f"「{name}」のページが多すぎます（{MAX_PAGES_PER_FILE}ページまで）。")
    return pdf


def count_pages(data: bytes, name: str) -> int:
    """Pages in a scan file, from its header (a PDF's page tree, a TIFF's frames); raises for a bad file."""
    if data[:8].startswith(b"%PDF"):
        pdf = _open_pdf(data, name)
        count = len(pdf)
        pdf.close()
        return count
    with _open_image(data, name) as image:
        return getattr(image, "n_frames", 1)


def load_pages(data: bytes, name: str, *, dpi: int = 150) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (page number from 1, BGR image) for a PDF, a multi-page TIFF or a single image file.

    PDFs are rendered at ``dpi`` (their text layer is ignored: the page is read as an image, like a scan).
    Raises ApplicationError naming the file for anything that is not a readable scan.
    """
    if data[:8].startswith(b"%PDF"):
        yield from _pdf_pages(data, name, dpi)
        return
    image = _open_image(data, name)
    try:
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
            if number > MAX_PAGES_PER_FILE:
                raise ApplicationError("ocr_too_many_pages", f"「{name}」のページが多すぎます（{MAX_PAGES_PER_FILE}ページまで）。")
            yield number, _to_bgr(frame)
    except ApplicationError:
        raise
    except Exception as exc:
        raise ApplicationError("ocr_image_broken", f"「{name}」の画像が壊れています（{exc}）。") from None


def _pdf_pages(data: bytes, name: str, dpi: int) -> Iterator[tuple[int, np.ndarray]]:
    pdf = _open_pdf(data, name)
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            w, h = page.get_size()
            if (w * dpi / 72) * (h * dpi / 72) > MAX_PIXELS:
                raise ApplicationError("ocr_image_too_large", f"「{name}」の{index + 1}ページ目が大きすぎます。")
            bitmap = page.render(scale=dpi / 72)
            yield index + 1, _to_bgr(bitmap.to_pil())
    finally:
        pdf.close()


def to_gray(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def fit(image: np.ndarray, side: int) -> np.ndarray:
    """Scaled down so that its longer side is at most ``side`` pixels."""
    scale = side / max(image.shape[:2])
    return image if scale >= 1 else cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def encode_png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


def encode_jpeg(image: np.ndarray, quality: int = 85) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return data.tobytes()


def decode(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ApplicationError("ocr_not_an_image", "画像を読めません。")
    return image


# --- alignment -----------------------------------------------------------------------------------------------

_ORB = None


def _orb():
    global _ORB
    if _ORB is None:
        _ORB = cv2.ORB_create(nfeatures=ORB_FEATURES, scaleFactor=1.2, nlevels=8, fastThreshold=12)
    return _ORB


@dataclass
class PageFeatures:
    """ORB keypoints (as points, in the scaled image) and descriptors of a page at working scale."""

    scale: float
    points: np.ndarray
    descriptors: np.ndarray | None

    @classmethod
    def from_image(cls, image: np.ndarray) -> "PageFeatures":
        gray = to_gray(image)
        scale = FEATURE_SIDE / max(gray.shape)
        small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        keypoints, descriptors = _orb().detectAndCompute(small, None)
        points = np.float32([kp.pt for kp in keypoints]) if keypoints else np.zeros((0, 2), np.float32)
        return cls(scale=scale, points=points, descriptors=descriptors)


@dataclass
class Template(PageFeatures):
    """A form's blank image prepared for matching: its size and its features."""

    key: object = None
    width: int = 0
    height: int = 0

    @classmethod
    def from_image(cls, key, image: np.ndarray) -> "Template":
        features = PageFeatures.from_image(image)
        return cls(features.scale, features.points, features.descriptors, key=key, width=image.shape[1],
                   height=image.shape[0])


@dataclass
class Alignment:
    template: Template | None
    homography: np.ndarray | None  # page pixels → template pixels
    inliers: int
    matches: int
    error_px: float
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.homography is not None and not self.reason


_MATCHER = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True)


def align(page: PageFeatures, template: Template) -> Alignment:
    """Find the homography that maps the page onto the template, or say why it cannot be found."""
    if page.descriptors is None or template.descriptors is None or len(page.points) < 10:
        return Alignment(template, None, 0, 0, 0.0, "特徴点が見つかりません（白紙か、ほとんど何も写っていません）")
    matches = _MATCHER.match(page.descriptors, template.descriptors)
    if len(matches) < MIN_INLIERS:
        return Alignment(template, None, 0, len(matches), 0.0, "帳票の特徴が一致しません")
    matches = sorted(matches, key=lambda m: m.distance)[:max(MIN_INLIERS * 2, int(len(matches) * 0.5))]
    src = page.points[[m.queryIdx for m in matches]] / page.scale
    dst = template.points[[m.trainIdx for m in matches]] / template.scale
    homography, mask = cv2.findHomography(src, dst, cv2.RANSAC, 4.0 / template.scale, maxIters=3000, confidence=0.995)
    if homography is None:
        return Alignment(template, None, 0, len(matches), 0.0, "帳票の特徴が一致しません")
    inlier = mask.ravel().astype(bool)
    count = int(inlier.sum())
    error = 0.0
    if count:
        projected = cv2.perspectiveTransform(src[inlier].reshape(-1, 1, 2), homography).reshape(-1, 2)
        error = float(np.sqrt(((projected - dst[inlier]) ** 2).sum(axis=1)).mean())
    alignment = Alignment(template, homography, count, len(matches), error)
    if count < MIN_INLIERS or count < MIN_INLIER_RATIO * len(matches):
        alignment.reason = f"帳票の特徴が十分に一致しません（一致点 {count}）"
    elif not _plausible(homography, template):
        alignment.reason = "位置合わせの結果が不自然です（大きな歪み・縮尺違い）"
    return alignment


def _plausible(homography: np.ndarray, template: Template) -> bool:
    """A scan differs from its template by a rotation, a shift and a mild scale, not by a strong perspective."""
    h = homography / homography[2, 2]
    if abs(h[2, 0]) > 1e-3 or abs(h[2, 1]) > 1e-3:
        return False
    scale = np.sqrt(abs(np.linalg.det(h[:2, :2])))
    return 0.5 < scale < 2.0


def identify(page: PageFeatures, templates: list[Template]) -> Alignment:
    """仕分け: align against every template and keep the one with the most inliers."""
    best = None
    for template in templates:
        alignment = align(page, template)
        if best is None or (alignment.ok, alignment.inliers) > (best.ok, best.inliers):
            best = alignment
    if best is None:
        return Alignment(None, None, 0, 0, 0.0, "帳票定義がありません")
    return best


def warp(image: np.ndarray, alignment: Alignment) -> np.ndarray:
    template = alignment.template
    return cv2.warpPerspective(image, alignment.homography, (template.width, template.height),
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(255, 255, 255))


# --- fields --------------------------------------------------------------------------------------------------

def crop(image: np.ndarray, bbox, pad: int = 0) -> np.ndarray:
    x, y, w, h = bbox
    height, width = image.shape[:2]
    return image[max(0, y - pad):min(height, y + h + pad), max(0, x - pad):min(width, x + w + pad)]


def clean_text_crop(gray: np.ndarray) -> np.ndarray:
    """Binarise a text field (ink 0, paper 255) and erase ruled lines that slid into it (a misregistered border).

    Otsu's threshold is capped well below the paper's own level (grey paper, a dark scan), so that on a blank
    cell it cannot split the paper's scan noise into "ink"."""
    threshold, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    paper = float(np.percentile(gray, 90))
    ink = gray < min(threshold, paper - 60)
    rows = ink.mean(axis=1) > 0.6
    cols = ink.mean(axis=0) > 0.6
    ink[rows, :] = False
    ink[:, cols] = False
    return np.where(ink, 0, 255).astype(np.uint8)


def ink_pixels(binary: np.ndarray) -> int:
    """Dark pixels that belong to strokes: isolated specks of scan noise are opened away first."""
    ink = (binary < 128).astype(np.uint8)
    return int(cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8)).sum())


def mark_ratio(gray: np.ndarray, shrink: int = 5) -> float:
    """Share of dark pixels inside a checkbox, its printed border excluded."""
    inner = gray[shrink:-shrink or None, shrink:-shrink or None] if min(gray.shape) > 2 * shrink + 4 else gray
    return float((inner < 140).mean()) if inner.size else 0.0


def red_ratio(bgr: np.ndarray) -> float:
    """Share of red (朱肉) pixels in a stamp area; black print does not count."""
    if bgr.size == 0:
        return 0.0
    pixels = bgr.astype(np.int16)
    b, g, r = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return float(((r > 110) & (r - g > 50) & (r - b > 40)).mean())
