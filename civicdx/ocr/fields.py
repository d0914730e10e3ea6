"""帳票定義 fields: their types, the checks on a definition, and what happens to a read value (post-processing,
validation, review reasons). Pure: no Django.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field

import jaconv
from kanjize import kanji2number

from civicdx.core.errors import ApplicationError
from civicdx.core.fiscal import parse_japanese_date
from civicdx.core.lgcode import check_digit

TYPES = {
    "text": "文字",
    "number": "数字",
    "date": "日付（和暦→西暦）",
    "kana": "カナ",
    "checkbox": "チェックボックス",
    "stamp": "押印",
    "phone": "電話番号",
    "postal": "郵便番号",
    "lgcode": "団体コード（6桁）",
    "free": "自由記述",
}
MARK_TYPES = ("checkbox", "stamp")
ENGINES = {"both": "両方で照合（推奨）", "tesseract": "Tesseract", "rapidocr": "RapidOCR（PP-OCRv6）"}
WIDTHS = {"": "そのまま", "hankaku": "英数字を半角に", "zenkaku": "全角に"}

_DIGITS = "0123456789０１２３４５６７８９"
_KANSUJI = "〇一二三四五六七八九十百千万"
_HYPHENS = "-－−‐―ーｰ"
_KATAKANA = "".join(chr(c) for c in range(ord("ァ"), ord("ヺ") + 1)) + "ー・　 "
# Characters a type may contain when the definition does not say (Tesseract is restricted to them).
DEFAULT_CHARSETS = {
    "number": _DIGITS + ",，円" + _KANSUJI,
    "date": _DIGITS + "年月日./元令和平成昭和大正明治" + _KANSUJI,
    "kana": _KATAKANA,
    "phone": _DIGITS + _HYPHENS + "()（）",
    "postal": _DIGITS + _HYPHENS + "〒",
    "lgcode": _DIGITS,
}

REASONS = {
    "not_aligned": "帳票の位置合わせができませんでした",
    "low_confidence": "読取の信頼度が低い",
    "invalid": "形式に合わない",
    "charset": "使用できない文字がある",
    "required_empty": "必須なのに空欄",
    "disagree": "2つのエンジンの結果が違う",
    "unclear_mark": "記入の有無がはっきりしない",
    "no_colour": "白黒の画像で朱肉を判定できない",
}

MAX_FIELDS = 200


@dataclass
class Field:
    name: str
    bbox: tuple[int, int, int, int]
    type: str = "text"
    charset: str = ""
    required: bool = False
    engine: str = "both"
    width: str = ""
    kansuji: bool = False
    review_threshold: int = 80
    csv_column: str = ""

    @property
    def allowed(self) -> str:
        """The characters the reading may contain ("" = anything)."""
        return self.charset or DEFAULT_CHARSETS.get(self.type, "")

    @property
    def column(self) -> str:
        return self.csv_column or self.name

    def as_dict(self) -> dict:
        data = asdict(self)
        data["bbox"] = list(self.bbox)
        return data


def _where(index: int, item) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    return f"{index}番目の項目" + (f"「{name}」" if name else "")


def parse_fields(data, *, width: int | None = None, height: int | None = None) -> list[Field]:
    """Check a definition's field list (the CLI's FIELDS.json or the editor's JSON) and return it as Fields.

    Every problem is reported with the field it belongs to; nothing is returned unless all fields are valid.
    """
    if isinstance(data, dict):
        data = data.get("fields")
    if not isinstance(data, list) or not data:
        raise ApplicationError("ocr_fields_empty", "読取項目がありません。帳票の上で枠を描いて項目を追加してください。")
    if len(data) > MAX_FIELDS:
        raise ApplicationError("ocr_fields_too_many", f"読取項目は{MAX_FIELDS}個までです（{len(data)}個あります）。")
    problems: list[str] = []
    fields: list[Field] = []
    names: set[str] = set()
    columns: set[str] = set()
    for index, item in enumerate(data, start=1):
        where = _where(index, item)
        if not isinstance(item, dict):
            problems.append(f"{where}: 項目は名前や枠をもつオブジェクトで書いてください。")
            continue
        name = unicodedata.normalize("NFC", str(item.get("name") or "")).strip()
        if not name or len(name) > 60:
            problems.append(f"{where}: 項目名を60文字以内で入力してください。")
        elif name in names:
            problems.append(f"{where}: 項目名「{name}」が重複しています。")
        names.add(name)
        bbox = item.get("bbox")
        if (not isinstance(bbox, (list, tuple)) or len(bbox) != 4
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in bbox)):
            problems.append(f"{where}: 枠（bbox）は [x, y, 幅, 高さ] の4つの数値で指定してください。")
            continue
        x, y, w, h = (int(round(v)) for v in bbox)
        if w < 8 or h < 8 or x < 0 or y < 0:
            problems.append(f"{where}: 枠が小さすぎるか、帳票の外にはみ出しています（{x}, {y}, {w}×{h}）。")
        elif width is not None and height is not None and (x + w > width or y + h > height):
            problems.append(f"{where}: 枠が帳票の外にはみ出しています（帳票は {width}×{height} ピクセル）。")
        kind = item.get("type", "text")
        if kind not in TYPES:
            problems.append(f"{where}: 種類「{kind}」は使えません（{', '.join(TYPES)} のいずれか）。")
        engine = item.get("engine") or "both"
        if engine not in ENGINES:
            problems.append(f"{where}: 読取エンジン「{engine}」は使えません（{', '.join(ENGINES)} のいずれか）。")
        width_rule = item.get("width") or ""
        if width_rule not in WIDTHS:
            problems.append(f"{where}: 全角・半角の指定「{width_rule}」は使えません。")
        threshold = item.get("review_threshold", 80)
        if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or not 0 <= threshold <= 100:
            problems.append(f"{where}: 確認しきい値は0〜100で指定してください。")
            threshold = 80
        column = str(item.get("csv_column") or name).strip()
        if column in columns:
            problems.append(f"{where}: CSV列名「{column}」が重複しています。")
        columns.add(column)
        charset = str(item.get("charset") or "")
        if len(charset) > 500:
            problems.append(f"{where}: 使用できる文字は500文字までです。")
        fields.append(Field(name=name, bbox=(x, y, w, h), type=kind, charset=charset,
                            required=bool(item.get("required", False)), engine=engine, width=width_rule,
                            kansuji=bool(item.get("kansuji", False)), review_threshold=int(threshold),
                            csv_column=column if column != name else ""))
    if problems:
        raise ApplicationError("ocr_fields_invalid", "帳票定義に誤りがあります。" + " / ".join(problems[:10]),
                               details=problems)
    return fields


# --- post-processing and validation -------------------------------------------------------------------------

_KANSUJI_RUN = re.compile(f"[{_KANSUJI}]+")
_HYPHEN_RE = re.compile(f"[{_HYPHENS[1:]}]")
_PHONE_RE = re.compile(r"^0\d{1,4}-\d{1,4}-\d{3,4}$|^0\d{9,10}$")
_SPACES = re.compile(r"[\s　]+")


def _half_alnum(text: str) -> str:
    return jaconv.z2h(text, kana=False, ascii=True, digit=True)


def _kansuji_to_digits(text: str) -> str:
    def one(match: re.Match) -> str:
        try:
            return str(kanji2number(match.group(0)))
        except (ValueError, KeyError):
            return match.group(0)

    return _KANSUJI_RUN.sub(one, text)


def _digits_only(text: str) -> str:
    text = re.sub(r"[円\s]", "", text)
    # 1,234,000 — and 1.234.000, as the recogniser sometimes reads a comma
    if re.fullmatch(r"\d{1,3}([,，.]\d{3})+", text):
        text = re.sub(r"[,，.]", "", text)
    return text.replace(",", "").replace("，", "")


# Era names as the engines misread them (令 → 合/今/分, 和 → 租, 平 → 4/乎); only the first two characters of a
# date are looked at, and only these exact pairs are changed.
_ERA_MISREADS = {"合和": "令和", "今和": "令和", "分和": "令和", "令租": "令和", "合租": "令和", "今租": "令和",
                 "分租": "令和", "4成": "平成", "乎成": "平成", "平戌": "平成", "平戊": "平成", "昭利": "昭和", "照和": "昭和"}
# Traditional forms a recogniser trained on Chinese text puts out for characters written in Japanese 新字体.
_VARIANTS = str.maketrans({"黑": "黒", "產": "産", "团": "団", "惠": "恵", "會": "会", "區": "区", "縣": "県", "與": "与",
                           "內": "内", "兩": "両", "圓": "円", "價": "価", "號": "号", "樂": "楽", "氣": "気"})


@dataclass
class Outcome:
    """A post-processed value and what is wrong with it (empty when nothing)."""

    value: str
    problems: list[str] = field(default_factory=list)


def normalize(spec: Field, raw: str) -> Outcome:
    """Turn what the engine read into the field's canonical value (dates 2023-04-01, digits half-width, …)."""
    text = unicodedata.normalize("NFC", raw or "").strip().translate(_VARIANTS)
    kind = spec.type
    if kind in ("phone", "postal"):
        # a thin hyphen is often read as a space or a dot: 093 582 2102, 093·582·2102
        text = re.sub(r"(?<=\d)[\s　·・.．]+(?=\d)", "-", text)
    if kind not in ("text", "free"):
        text = _SPACES.sub("", text)
    if not text:
        return Outcome("")
    if kind == "number":
        value = _digits_only(_kansuji_to_digits(_half_alnum(text)))
        return Outcome(value, [] if value.isdigit() else [f"数字として読めません（{text}）"])
    if kind == "date":
        text = _ERA_MISREADS.get(text[:2], text[:2]) + text[2:]
        try:
            return Outcome(parse_japanese_date(text).isoformat())
        except ApplicationError as exc:
            return Outcome(text, [exc.message])
    if kind == "kana":
        value = jaconv.hira2kata(jaconv.h2z(text, kana=True, ascii=False, digit=False))
        bad = sorted({ch for ch in value if ch not in _KATAKANA})
        return Outcome(value, [f"カナ以外の文字「{''.join(bad)}」"] if bad else [])
    if kind == "phone":
        value = _HYPHEN_RE.sub("-", _half_alnum(text)).replace("(", "-").replace(")", "-").strip("-")
        if re.fullmatch(r"0[5789]0\d{8}", value):  # a mobile or IP phone number is always 3-4-4
            value = f"{value[:3]}-{value[3:7]}-{value[7:]}"
        if not _PHONE_RE.match(value):
            return Outcome(value, [f"電話番号の形ではありません（{value}）"])
        if "-" not in value:  # where the area code ends cannot be told from the digits alone
            return Outcome(value, [f"市外局番の区切りが読めません（{value}）"])
        return Outcome(value)
    if kind == "postal":
        digits = re.sub(r"\D", "", _half_alnum(text))
        if len(digits) != 7:
            return Outcome(text, [f"郵便番号は7桁です（{text}）"])
        return Outcome(f"{digits[:3]}-{digits[3:]}")
    if kind == "lgcode":
        value = _half_alnum(text)
        if not re.fullmatch(r"\d{6}", value):
            return Outcome(value, [f"団体コードは6桁の数字です（{value}）"])
        if check_digit(value[:5]) != int(value[5]):
            return Outcome(value, [f"団体コード{value}の検査数字が合いません"])
        return Outcome(value)
    # text / free
    if spec.kansuji:
        text = _kansuji_to_digits(text)
    if spec.width == "zenkaku":
        return Outcome(jaconv.h2z(text, kana=True, ascii=True, digit=True))
    return Outcome(_half_alnum(text) if spec.width in ("", "hankaku") else text)


def outside_charset(spec: Field, raw: str) -> str:
    """The characters of ``raw`` that the field does not allow ("" when all are allowed)."""
    allowed = spec.allowed
    if not allowed:
        return ""
    return "".join(sorted({ch for ch in raw if not ch.isspace() and ch not in allowed}))


def review_reasons(spec: Field, *, raw: str, outcome: Outcome, confidence: float, disagree: bool = False,
                   unclear_mark: bool = False, no_colour: bool = False) -> list[str]:
    """Why a person must look at this value (empty list: it can be trusted)."""
    reasons = []
    if spec.type in MARK_TYPES:
        if no_colour:
            reasons.append("no_colour")
        if unclear_mark:
            reasons.append("unclear_mark")
        if spec.required and outcome.value != "1":
            reasons.append("required_empty")
        return reasons
    empty = outcome.value == ""
    if empty and spec.required:
        reasons.append("required_empty")
    if not empty and confidence * 100 < spec.review_threshold:
        reasons.append("low_confidence")
    if outcome.problems:
        reasons.append("invalid")
    if outside_charset(spec, raw):
        reasons.append("charset")
    if disagree:
        reasons.append("disagree")
    return reasons


def validate_correction(spec: Field, value: str) -> str:
    """Check a value a person typed in the verification screen and return it normalised, or raise."""
    if spec.type in MARK_TYPES:
        return "1" if str(value).strip().lower() in ("1", "true", "on", "yes", "あり", "✓") else "0"
    outcome = normalize(spec, value)
    if outcome.problems:
        raise ApplicationError("ocr_value_invalid", f"「{spec.name}」: {outcome.problems[0]}")
    if spec.required and not outcome.value:
        raise ApplicationError("ocr_value_required", f"「{spec.name}」は必須です。")
    return outcome.value
