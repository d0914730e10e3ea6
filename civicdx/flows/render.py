"""業務フロー as a PNG image, drawn from the BPMN diagram interchange (BPMNDI) coordinates. Pure: Pillow only.

Used where a browser cannot draw the flow with bpmn-js: Word and PDF manuals, 引継書. Lanes come from
``FlowModel.lane_bounds`` (the pool is not kept in the model), with their titles written vertically in a band on the
left; tasks are rounded rectangles, events circles (the end event thick), gateways diamonds, sequence flows polylines
with an arrowhead. Japanese text uses the IPA Gothic font when installed, else Pillow's default font.
"""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw, ImageFont

from civicdx.core.fonts import IPA_GOTHIC
from civicdx.flows.bpmn import FlowModel

MARGIN, LANE_LABEL_W, FONT_SIZE, SMALL_FONT_SIZE = 20, 30, 12, 11
INK, LINE, LANE_FILL, BAND_FILL, TASK_FILL = "#1A1A1C", "#333333", "#FFFFFF", "#F2F2F2", "#FFFFFF"
ROTATED_IN_VERTICAL = set("ー－-—‐～~…（）()「」『』［］[]【】〈〉<>＜＞=＝")
_fonts: dict[int, ImageFont.ImageFont] = {}


def _font(size: int):
    if size not in _fonts:
        try:
            _fonts[size] = ImageFont.truetype(str(IPA_GOTHIC), size)
        except OSError:
            _fonts[size] = ImageFont.load_default(size=size)
    return _fonts[size]


def _extent(model: FlowModel) -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = []
    for x, y, w, h in [*model.lane_bounds.values(), *(n.bounds for n in model.nodes.values() if n.bounds)]:
        xs += [x, x + w]
        ys += [y, y + h + (20 if w == h else 0)]   # room for an event's label below it
    for e in model.edges:
        xs += [p[0] for p in e.waypoints]
        ys += [p[1] for p in e.waypoints]
    if not xs:
        return 0.0, 0.0, 200.0, 100.0
    return min(xs), min(ys), max(xs), max(ys)


def _wrap(text: str, font, width: float, max_lines: int) -> list[str]:
    """Lines of ``text`` that fit ``width``, character by character (Japanese has no spaces to break at)."""
    lines: list[str] = []
    for part in text.splitlines() or [""]:
        line = ""
        for ch in part:
            if line and font.getlength(line + ch) > width:
                lines.append(line)
                line = ""
            line += ch
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return lines


def _text_block(draw, lines: list[str], font, cx: float, cy: float, fill: str = INK) -> None:
    height = font.size * 1.2
    top = cy - height * len(lines) / 2
    for i, line in enumerate(lines):
        draw.text((cx, top + height * (i + 0.5)), line, font=font, fill=fill, anchor="mm")


def _vertical_text(draw, text: str, box: tuple[float, float, float, float], size: int) -> None:
    """A lane title written top to bottom, one character under another, shrunk to fit the band."""
    x0, y0, x1, y1 = box
    while size > 6 and len(text) * size * 1.05 > (y1 - y0) - 8:
        size -= 1
    font = _font(size)
    chars = list(text)[: max(1, int(((y1 - y0) - 8) // (size * 1.05)))]
    top = (y0 + y1) / 2 - len(chars) * size * 1.05 / 2
    for i, ch in enumerate(chars):
        centre = ((x0 + x1) / 2, top + size * 1.05 * (i + 0.5))
        if ch in ROTATED_IN_VERTICAL:   # ー（）… lie along the line in vertical writing
            glyph = Image.new("L", (size * 2, size * 2), 0)
            ImageDraw.Draw(glyph).text((size, size), ch, font=font, fill=255, anchor="mm")
            glyph = glyph.rotate(-90)
            draw.bitmap((centre[0] - size, centre[1] - size), glyph, fill=INK)
        else:
            draw.text(centre, ch, font=font, fill=INK, anchor="mm")


def _arrowhead(draw, a: tuple[float, float], b: tuple[float, float], size: float, fill: str) -> None:
    angle = math.atan2(b[1] - a[1], b[0] - a[0])
    left = (b[0] - size * math.cos(angle - 0.4), b[1] - size * math.sin(angle - 0.4))
    right = (b[0] - size * math.cos(angle + 0.4), b[1] - size * math.sin(angle + 0.4))
    draw.polygon([b, left, right], fill=fill)


def flow_png(model: FlowModel, *, scale: float = 1.5, highlight: dict[str, str] | None = None) -> bytes:
    """The flow drawn where its BPMNDI says, ``scale`` times larger; ``highlight`` colours nodes' borders by id."""
    highlight = highlight or {}
    min_x, min_y, max_x, max_y = _extent(model)
    width = max(1, round((max_x - min_x + 2 * MARGIN) * scale))
    height = max(1, round((max_y - min_y + 2 * MARGIN) * scale))
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)

    def pt(x: float, y: float) -> tuple[float, float]:
        return (x - min_x + MARGIN) * scale, (y - min_y + MARGIN) * scale

    def box(b: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        x, y, w, h = b
        return (*pt(x, y), *pt(x + w, y + h))

    font, small = _font(round(FONT_SIZE * scale)), _font(round(SMALL_FONT_SIZE * scale))
    thin, thick = max(1, round(scale)), max(2, round(3 * scale))

    lane_names = dict(model.lanes)
    for lane_id, bounds in model.lane_bounds.items():
        x0, y0, x1, y1 = box(bounds)
        band = (x0, y0, x0 + LANE_LABEL_W * scale, y1)
        draw.rectangle((x0, y0, x1, y1), fill=LANE_FILL, outline=LINE, width=thin)
        draw.rectangle(band, fill=BAND_FILL, outline=LINE, width=thin)
        _vertical_text(draw, lane_names.get(lane_id, lane_id), band, round(FONT_SIZE * scale))

    for edge in model.edges:
        points = [pt(x, y) for x, y in edge.waypoints]
        if len(points) < 2:
            continue
        draw.line(points, fill=LINE, width=thin, joint="curve")
        _arrowhead(draw, points[-2], points[-1], 9 * scale, LINE)
        if edge.name:
            (ax, ay), (bx, by) = points[0], points[1]
            draw.text(((ax + bx) / 2 + 4 * scale, (ay + by) / 2 - 4 * scale), edge.name, font=small, fill=INK,
                      anchor="ld")

    for node in model.nodes.values():
        if not node.bounds:
            continue
        x0, y0, x1, y1 = box(node.bounds)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        colour = highlight.get(node.id)
        outline, border = colour or LINE, thick if colour else thin
        if node.is_task:
            draw.rounded_rectangle((x0, y0, x1, y1), radius=10 * scale, fill=TASK_FILL, outline=outline,
                                   width=max(border, round(1.5 * scale)))
            max_lines = max(1, int((y1 - y0 - 6 * scale) // (font.size * 1.2)))
            _text_block(draw, _wrap(node.name, font, (x1 - x0) - 10 * scale, max_lines), font, cx, cy)
        elif node.tag.endswith("Event"):
            width = thick if node.tag == "endEvent" else border
            draw.ellipse((x0, y0, x1, y1), fill="white", outline=outline, width=width)
            if node.tag.startswith("intermediate"):   # double ring
                inset = 3 * scale
                draw.ellipse((x0 + inset, y0 + inset, x1 - inset, y1 - inset), outline=outline, width=thin)
            if node.name:
                _text_block(draw, _wrap(node.name, small, 90 * scale, 2), small, cx, y1 + 12 * scale)
        else:
            diamond = [(cx, y0), (x1, cy), (cx, y1), (x0, cy)]
            draw.polygon(diamond, fill="white", outline=outline, width=border)
            mark = {"exclusiveGateway": "×", "parallelGateway": "+", "inclusiveGateway": "○"}.get(node.tag, "")
            if mark:
                draw.text((cx, cy), mark, font=font, fill=outline, anchor="mm")
            if node.name:
                draw.text((cx, y0 - 4 * scale), node.name, font=small, fill=INK, anchor="md")

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
