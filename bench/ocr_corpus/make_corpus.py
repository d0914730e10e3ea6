"""Synthesise the offline AI-OCR test set: three Japanese city paper forms, filled and "scanned".

Outputs (this folder unless noted):
    forms/<layout>/template.png   blank form, grayscale, A4 portrait at 150 dpi (1240x1754 px)
    forms/<layout>/fields.json    {"name": 帳票名, "fields": [{"name", "bbox": [x, y, w, h], "type", "charset"?,
                                  "required"}]}
    forms/todoke/template.pdf     the same blank form as a 1-page PDF (to test PDF templates)
    scans/scan_NNN.{jpg,png,pdf,tif}   the pile: single pages and multi-page PDF/TIFF, layouts mixed,
                                       plus a few foreign pages that are none of the three forms
    truth.json                    per page: file, page (1-based), form (layout or null), flaws, values, printed
    civicdx/ocr/samples/...       the sample set (demo and unit tests) (shinsei and todoke templates + fields,
                                  3 shinsei scans, a 2-page PDF with a todoke page and a foreign page, truth.json);
                                  only these files are written there

Layouts: shinsei (住民票の写し等交付申請書), todoke (事業所等設置・変更・廃止届出書), enquete (市民サービスに関するアンケート).

Only PIL, numpy and OpenCV; fonts are the Debian IPA fonts (fonts-ipafont-mincho, fonts-ipafont-gothic) and
Noto Sans CJK (fonts-noto-cjk). Everything uses fixed seeds, so reruns give the same pages (PDFs get a fixed
creation date). Takes about 40 s on 2 cores. Run from the repo root:

    uv run python bench/ocr_corpus/make_corpus.py                 # corpus + fixtures
    uv run python bench/ocr_corpus/make_corpus.py --fixtures-only  # just civicdx/ocr/samples

Conventions in truth.json:
    flaws.rotation  degrees, positive = counter-clockwise (cv2.getRotationMatrix2D), about the page centre
    flaws.scale     about the page centre; flaws.shift = [dx, dy] px added afterwards
    flaws.upside_down  the page was turned 180 deg before the small rotation/scale/shift
    flaws.matrix    the resulting 2x3 affine matrix, template pixel -> scan pixel
    flaws.jpeg      JPEG quality the page went through (.jpg file, PDF DCT stream, or simulated on PNG/TIFF), else null
    values          canonical expected values (date YYYY-MM-DD, number digits only, phone/postal half-width,
                    text/free with full-width digits and hyphens made half-width, checkbox/stamp bool,
                    empty optional field "" / false); printed = the exact string on the page
                    (checkbox: the mark "✓" "×" "■" or ""; stamp: the name in the seal or "")
"""
import argparse
import io
import json
import math
import random
import shutil
import time
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FIXTURES = ROOT / "civicdx" / "ocr" / "samples"
W, H, DPI = 1240, 1754, 150
SEED = 20250401
PDF_DATE = time.struct_time((2025, 4, 1, 9, 0, 0, 1, 91, 0))

MINCHO = "/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf"
GOTHIC = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"
NOTO = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
M = 6  # bbox = cell inside, this far from the ruled line's coordinate
CB = 28  # checkbox square side

PER_LAYOUT = 60
N_FOREIGN = 8
N_UPSIDE = 6

ZEN = str.maketrans("0123456789-", "０１２３４５６７８９－")
HAN = str.maketrans("０１２３４５６７８９－", "0123456789-")
KANJI = "〇一二三四五六七八九"

NUM_CHARSET = "0123456789,円０１２３４５６７８９一二三四五六七八九十百千万"
KANA_CHARSET = "".join(chr(c) for c in range(0x30A1, 0x30F7)) + "ー　 "
CHARSETS = {"number": NUM_CHARSET, "phone": "0123456789-", "postal": "0123456789-〒",
            "lgcode": "0123456789", "kana": KANA_CHARSET}


@cache
def font(path, size):
    return ImageFont.truetype(path, int(size), index=0)


def kanji_small(n):
    """1..99 -> 一 / 十二 / 三十一"""
    t, o = divmod(n, 10)
    return (("" if t == 1 else KANJI[t]) + "十" if t else "") + (KANJI[o] if o else "")


def half(s):
    return s.translate(HAN)


# --------------------------------------------------------------------------- drawing the blank forms
class Sheet:
    def __init__(self, key, name):
        self.key, self.name = key, name
        self.im = Image.new("L", (W, H), 255)
        self.d = ImageDraw.Draw(self.im)
        self.fields = []

    def text(self, xy, s, size=20, path=GOTHIC, anchor="la", fill=0):
        self.d.text(xy, s, font=font(path, size), fill=fill, anchor=anchor)

    def fit_text(self, x0, y0, x1, y1, s, size=22, path=GOTHIC, fill=0, align="m"):
        while size > 12 and font(path, size).getlength(s) > (x1 - x0) - 12:
            size -= 1
        if align == "m":
            self.text(((x0 + x1) / 2, (y0 + y1) / 2), s, size, path, "mm", fill)
        else:
            self.text((x0 + 10, (y0 + y1) / 2), s, size, path, "lm", fill)

    def rect(self, x0, y0, x1, y1, width=2, fill=None):
        self.d.rectangle([x0, y0, x1, y1], outline=0, width=width, fill=fill)

    def frame(self, x0, y0, x1, y1):  # 太枠, drawn around the coordinates
        self.d.rectangle([x0 - 1, y0 - 1, x1 + 1, y1 + 1], outline=0, width=4)

    def dashed(self, p0, p1, dash=8, gap=6, width=2, fill=0):
        (x0, y0), (x1, y1) = p0, p1
        n = math.hypot(x1 - x0, y1 - y0)
        t = 0.0
        while t < n:
            t1 = min(t + dash, n)
            self.d.line([(x0 + (x1 - x0) * t / n, y0 + (y1 - y0) * t / n),
                         (x0 + (x1 - x0) * t1 / n, y0 + (y1 - y0) * t1 / n)], fill=fill, width=width)
            t += dash + gap

    def label(self, x0, y0, x1, y1, s, size=22, shade=232, path=GOTHIC):
        self.rect(x0, y0, x1, y1, fill=shade)
        self.fit_text(x0, y0, x1, y1, s, size, path)

    def vlabel(self, x0, y0, x1, y1, s, size=24, shade=215):
        self.rect(x0, y0, x1, y1, fill=shade)
        step = size + 14
        top = (y0 + y1) / 2 - step * (len(s) - 1) / 2
        for i, ch in enumerate(s):
            self.text(((x0 + x1) / 2, top + i * step), ch, size, GOTHIC, "mm")

    def add(self, name, bbox, ftype, required):
        f = {"name": name, "bbox": [int(v) for v in bbox], "type": ftype}
        if ftype in CHARSETS:
            f["charset"] = CHARSETS[ftype]
        f["required"] = required
        self.fields.append(f)

    def value(self, x0, y0, x1, y1, name, ftype, required=False):
        self.rect(x0, y0, x1, y1)
        self.add(name, (x0 + M, y0 + M, x1 - x0 - 2 * M, y1 - y0 - 2 * M), ftype, required)

    def checkbox(self, x, y, label, name, size=22):
        self.d.rectangle([x, y, x + CB - 1, y + CB - 1], outline=0, width=2)
        self.text((x + CB + 10, y + CB / 2), label, size, GOTHIC, "lm")
        self.add(name, (x, y, CB, CB), "checkbox", False)

    def checkbox_row(self, x0, x1, yc, items, prefix, size=22):
        step = (x1 - x0 - 20) / len(items)
        for i, it in enumerate(items):
            self.checkbox(int(x0 + 20 + i * step), int(yc - CB / 2), it, f"{prefix}_{it}", size)

    def seal(self, x0, y0, x1, y1, name="押印"):
        self.rect(x0, y0, x1, y1)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        r = 34
        for a in range(0, 360, 20):
            self.d.arc([cx - r, cy - r, cx + r, cy + r], a, a + 11, fill=150, width=2)
        self.text((cx, cy), "印", 26, MINCHO, "mm", fill=150)
        self.add(name, (x0 + M, y0 + M, x1 - x0 - 2 * M, y1 - y0 - 2 * M), "stamp", False)

    def save(self, out_dir):
        out = out_dir / self.key
        out.mkdir(parents=True, exist_ok=True)
        self.im.save(out / "template.png", optimize=True)
        (out / "fields.json").write_text(json.dumps({"name": self.name, "fields": self.fields},
                                                    ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def build_shinsei():
    s = Sheet("shinsei", "住民票の写し等交付申請書")
    s.text((70, 48), "様式第1号（第3条関係）", 18)
    s.text((1170, 40), "受付番号", 18, anchor="ra")
    s.rect(960, 66, 1170, 104)
    s.text((W / 2, 150), "住民票の写し等交付申請書", 46, MINCHO, "mm")
    s.d.line([(330, 182), (910, 182)], fill=0, width=2)
    s.d.line([(330, 188), (910, 188)], fill=0, width=1)
    s.text((70, 215), "（あて先）北九州市長", 26, MINCHO)
    s.text((1170, 215), "北九州市　区役所市民課", 22, GOTHIC, "ra")
    s.text((70, 258), "次のとおり住民票の写し等の交付を申請します。太枠内を黒のボールペンではっきりと記入してください。", 18)
    s.text((70, 284), "※窓口に来られた方の本人確認書類を確認します。代理人が申請する場合は委任状が必要です。", 18)
    top, L0, L1, R = 320, 70, 270, 1170
    # row 1: 申請日 + 受付区 (template only)
    y0, y1 = top, top + 64
    s.label(L0, y0, L1, y1, "申請日")
    s.value(L1, y0, 700, y1, "申請日", "date", True)
    s.label(700, y0, 860, y1, "申請区")
    s.rect(860, y0, R, y1)
    s.text((875, y0 + 20), "門司・小倉北・小倉南・若松", 16, GOTHIC, "lm")
    s.text((875, y0 + 44), "八幡東・八幡西・戸畑", 16, GOTHIC, "lm")
    # rows 2-3: フリガナ / 氏名 + seal cell
    y0, y1, y2 = top + 64, top + 128, top + 212
    s.label(L0, y0, L1, y1, "フリガナ", 20)
    s.value(L1, y0, 1000, y1, "フリガナ", "kana", False)
    s.label(L0, y1, L1, y2, "氏　名", 24)
    s.value(L1, y1, 1000, y2, "氏名", "text", True)
    s.seal(1000, y0, R, y2)
    # row 4: 生年月日 + 郵便番号
    y0, y1 = y2, y2 + 64
    s.label(L0, y0, L1, y1, "生年月日")
    s.value(L1, y0, 700, y1, "生年月日", "date", True)
    s.label(700, y0, 860, y1, "郵便番号")
    s.value(860, y0, R, y1, "郵便番号", "postal", False)
    # row 5: 住所
    y0, y1 = y1, y1 + 64
    s.label(L0, y0, L1, y1, "住　所", 24)
    s.value(L1, y0, R, y1, "住所", "text", True)
    # row 6: 電話番号 + 通数 + 通
    y0, y1 = y1, y1 + 64
    s.label(L0, y0, L1, y1, "電話番号")
    s.value(L1, y0, 700, y1, "電話番号", "phone", False)
    s.label(700, y0, 860, y1, "請求通数")
    s.value(860, y0, 1090, y1, "通数", "number", True)
    s.rect(1090, y0, R, y1)
    s.text((1130, (y0 + y1) / 2), "通", 24, GOTHIC, "mm")
    # row 7: 本人確認 checkboxes
    y0, y1 = y1, y1 + 64
    s.label(L0, y0, L1, y1, "本人確認書類", 20)
    s.rect(L1, y0, R, y1)
    s.checkbox_row(L1, R, (y0 + y1) / 2, ["運転免許証", "マイナンバーカード", "パスポート"], "本人確認")
    s.frame(L0, top, R, y1)
    # 使用目的 (template only)
    y0 = y1 + 40
    s.text((L0, y0), "■ 請求の種類・使用目的", 22)
    y0 += 36
    rows = [("種　類", "住民票の写し（世帯全員・一部）／住民票記載事項証明書／除票の写し"),
            ("記載事項", "本籍・筆頭者／続柄／マイナンバー（個人番号）／住民票コード：省略・記載"),
            ("使用目的", "1 年金・恩給　2 就職　3 運転免許　4 パスポート　5 その他（　　　　　）")]
    for lab, txt in rows:
        s.label(L0, y0, L1, y0 + 52, lab, 20, shade=245)
        s.rect(L1, y0, R, y0 + 52)
        s.fit_text(L1, y0, R, y0 + 52, txt, 19, align="l")
        y0 += 52
    # notes
    y0 += 36
    s.text((L0, y0), "【注意事項】", 20)
    notes = ["1. 本籍・筆頭者、続柄の記載が必要な場合は、使用目的の欄に具体的に記入してください。",
             "2. 個人番号（マイナンバー）入りの住民票の写しは、本人又は同一世帯の方のみ請求できます。",
             "3. 手数料は1通300円です。郵送で請求する場合は定額小為替を同封してください。",
             "4. 偽りその他不正の手段により交付を受けた場合は、法律により罰せられます。",
             "5. お問い合わせ　北九州市コールセンター　電話 093-671-8181（年中無休 8時～21時）"]
    for i, n in enumerate(notes):
        s.text((L0 + 10, y0 + 34 + i * 30), n, 18)
    # 職員記入欄
    y0 += 34 + len(notes) * 30 + 40
    s.text((L0, y0), "※職員記入欄", 20)
    y0 += 32
    heads = ["受付", "本人確認", "審査", "入力", "交付", "手数料"]
    cw = (R - L0) / len(heads)
    for i, hd in enumerate(heads):
        x0, x1 = int(L0 + i * cw), int(L0 + (i + 1) * cw)
        s.label(x0, y0, x1, y0 + 40, hd, 18, shade=220)
        s.rect(x0, y0 + 40, x1, y0 + 140)
    s.dashed((L0, y0 + 190), (R, y0 + 190))
    s.text((L0, y0 + 205), "備考", 18)
    s.rect(L0, y0 + 235, R, y0 + 335)
    s.text((W / 2, 1700), "北九州市　（日本産業規格Ａ列４番）", 16, GOTHIC, "mm")
    return s


def build_todoke():
    s = Sheet("todoke", "事業所等設置・変更・廃止届出書")
    s.text((70, 50), "第2号様式（第5条関係）", 18)
    # 受付印 box (template only)
    s.rect(1000, 40, 1170, 230)
    s.d.line([(1000, 78), (1170, 78)], fill=0, width=2)
    s.text((1085, 59), "受付印", 18, GOTHIC, "mm")
    s.d.ellipse([1035, 105, 1135, 205], outline=170, width=2)
    s.text((W / 2 - 60, 140), "事業所等設置・変更・廃止届出書", 40, GOTHIC, "mm")
    s.text((W / 2 - 60, 192), "（新規・変更・廃止）", 24, GOTHIC, "mm")
    s.text((70, 262), "北九州市長　様", 28, MINCHO)
    # 届出日 (right)
    y0, y1 = 300, 364
    s.label(700, y0, 840, y1, "届出日", 22, shade=255)
    s.value(840, y0, 1170, y1, "届出日", "date", True)
    s.frame(700, y0, 1170, y1)
    # 届出者 block with a vertical header
    x0, xl, xv, R = 70, 140, 340, 1170
    y0 = 400
    ys = [y0, y0 + 64, y0 + 144, y0 + 208]
    s.vlabel(x0, ys[0], xl, ys[3], "届出者")
    s.label(xl, ys[0], xv, ys[1], "事業者名", shade=255)
    s.value(xv, ys[0], R, ys[1], "事業者名", "text", True)
    s.label(xl, ys[1], xv, ys[2], "代表者氏名", shade=255)
    s.value(xv, ys[1], 1000, ys[2], "代表者氏名", "text", True)
    s.label(xl, ys[2], xv, ys[3], "担当者電話", shade=255)
    s.value(xv, ys[2], 1000, ys[3], "担当者電話", "phone", False)
    s.seal(1000, ys[1], R, ys[3])
    s.frame(x0, ys[0], R, ys[3])
    y = ys[3] + 40
    s.text((70, y), "北九州市事業所等に関する規則第5条の規定により、次のとおり届け出ます。", 21, MINCHO)
    y += 50
    s.label(70, y, 340, y + 64, "区　分", shade=255)
    s.rect(340, y, R, y + 64)
    s.checkbox_row(340, 900, y + 32, ["新規", "変更", "廃止"], "区分", 24)
    s.text((R - 12, y + 32), "（いずれかに✓）", 16, GOTHIC, "rm")
    y += 64
    s.label(70, y, 340, y + 64, "団体コード", shade=255)
    s.value(340, y, 650, y + 64, "団体コード", "lgcode", True)
    s.label(650, y, 850, y + 64, "所在地", shade=255)
    s.rect(850, y, R, y + 64)
    s.text((1010, y + 32), "市内　・　市外", 20, GOTHIC, "mm")
    y += 64
    s.label(70, y, 340, y + 64, "届出金額", shade=255)
    s.value(340, y, 800, y + 64, "金額", "number", False)
    s.label(800, y, 960, y + 64, "件　数", shade=255)
    s.value(960, y, R, y + 64, "件数", "number", False)
    y += 64
    s.label(70, y, 340, y + 130, "備　考", shade=255)
    s.rect(340, y, R, y + 130)
    for k in (1, 2):
        s.dashed((350, y + 43 * k), (R - 10, y + 43 * k), 4, 4, 1, 120)
    s.frame(70, y - 192, R, y + 130)
    y += 170
    s.text((70, y), "記入上の注意", 22, MINCHO)
    notes = ["（1）区分欄は、該当するものに✓印を付けてください。",
             "（2）団体コードは、事業所等の所在する地方公共団体の6桁のコードを記入してください。",
             "（3）届出金額は、設置・変更に係る契約金額（税込）を円単位で記入してください。",
             "（4）件数は、届出の対象となる事業所等の数を記入してください。",
             "（5）法人の場合は、代表者印を押印してください。記入欄が不足する場合は別紙に記入してください。"]
    for i, n in enumerate(notes):
        s.text((80, y + 36 + i * 30), n, 18, MINCHO)
    y += 36 + len(notes) * 30 + 40
    s.text((70, y), "※市使用欄", 20)
    y += 32
    cols = [(70, 330, "受付年月日"), (330, 590, "処理区分"), (590, 850, "担当"), (850, 1010, "係長"), (1010, 1170, "課長")]
    for a, b, hd in cols:
        s.label(a, y, b, y + 40, hd, 18, shade=255)
        s.rect(a, y + 40, b, y + 140)
    s.frame(70, y, 1170, y + 140)
    s.text((1170, 1700), "北九州市", 16, GOTHIC, "ra")
    return s


def build_enquete():
    s = Sheet("enquete", "市民サービスに関するアンケート")
    s.d.rectangle([0, 30, W, 36], fill=0)
    s.text((70, 56), "北九州市", 26, GOTHIC)
    s.text((1170, 62), "市民文化スポーツ局　広聴課", 18, GOTHIC, "ra")
    s.text((W / 2, 140), "市民サービスに関するアンケート", 44, MINCHO, "mm")
    s.d.rounded_rectangle([70, 190, 1170, 300], radius=16, outline=0, width=2)
    intro = ["本日は区役所をご利用いただき、ありがとうございます。より良い市民サービスのため、",
             "アンケートへのご協力をお願いします。該当する□に✓を付け、回収箱に入れてください。",
             "ご回答の内容は統計的に処理し、個人が特定されることはありません。"]
    for i, t in enumerate(intro):
        s.text((95, 205 + i * 30), t, 19)

    def q(y, num, text):
        s.d.rectangle([70, y, 140, y + 40], fill=0)
        s.text((105, y + 20), f"問{num}", 20, GOTHIC, "mm", fill=255)
        s.text((156, y + 20), text, 22, GOTHIC, "lm")

    y = 330
    q(y, 1, "回答日")
    s.value(420, y - 12, 860, y + 52, "回答日", "date", True)
    y += 90
    q(y, 2, "年齢")
    s.value(420, y - 12, 620, y + 52, "年齢", "number", False)
    s.text((634, y + 20), "歳", 22, GOTHIC, "lm")
    y += 90
    q(y, 3, "性別")
    s.checkbox_row(400, 1100, y + 20, ["男性", "女性", "回答しない"], "性別")
    y += 80
    q(y, 4, "本日の窓口サービスの満足度を教えてください。（1つに✓）")
    y += 62
    s.rect(70, y, 1170, y + 64)
    s.checkbox_row(70, 1170, y + 32, ["満足", "やや満足", "普通", "やや不満", "不満"], "満足度")
    y += 100
    q(y, 5, "本日利用した窓口（あてはまるものすべてに✓）")
    y += 62
    s.rect(70, y, 1170, y + 64)
    s.checkbox_row(70, 1000, y + 32, ["市民課", "税務課", "保健福祉課"], "窓口")
    y += 100
    q(y, 6, "お住まいの郵便番号")
    s.value(420, y - 12, 860, y + 52, "郵便番号", "postal", False)
    y += 90
    q(y, 7, "ご意見・ご要望をご記入ください。")
    y += 60
    s.value(70, y, 1170, y + 80, "ご意見", "free", False)
    for k in (1, 2):
        s.dashed((80, y + 80 + 50 * k), (1160, y + 80 + 50 * k), 3, 5, 1, 110)
    y += 240
    s.text((W / 2, y), "ご協力ありがとうございました。", 26, MINCHO, "mm")
    y += 50
    s.text((W / 2, y), "お問い合わせ：北九州市 広聴課　電話 093-582-2525", 18, GOTHIC, "mm")
    y += 50
    s.text((70, y), "（集計欄・市記入）", 16)
    y += 28
    for i in range(8):
        s.rect(70 + i * 137, y, 70 + (i + 1) * 137, y + 36)
        s.text((70 + i * 137 + 68, y + 18), f"{chr(0x41 + i)}", 16, GOTHIC, "mm", fill=90)
        s.rect(70 + i * 137, y + 36, 70 + (i + 1) * 137, y + 76)
    s.d.rectangle([0, H - 40, W, H - 34], fill=0)
    return s


BUILDERS = {"shinsei": build_shinsei, "todoke": build_todoke, "enquete": build_enquete}

# --------------------------------------------------------------------------- random values
SURNAMES = [("田中", "タナカ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("松本", "マツモト"), ("井上", "イノウエ"),
            ("古賀", "コガ"), ("吉田", "ヨシダ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"),
            ("渡辺", "ワタナベ"), ("伊藤", "イトウ"), ("小林", "コバヤシ"), ("加藤", "カトウ"), ("山田", "ヤマダ"),
            ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("木村", "キムラ"), ("林", "ハヤシ"), ("清水", "シミズ"),
            ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"), ("石川", "イシカワ"), ("前田", "マエダ"),
            ("藤井", "フジイ"), ("岡田", "オカダ"), ("後藤", "ゴトウ"), ("原田", "ハラダ"), ("柴田", "シバタ"),
            ("末松", "スエマツ"), ("野口", "ノグチ"), ("坂本", "サカモト"), ("永田", "ナガタ"), ("宮崎", "ミヤザキ"),
            ("大塚", "オオツカ"), ("久保", "クボ"), ("江藤", "エトウ"), ("緒方", "オガタ"), ("白石", "シライシ")]
GIVEN = [("太郎", "タロウ"), ("花子", "ハナコ"), ("一郎", "イチロウ"), ("健太", "ケンタ"), ("翔太", "ショウタ"),
         ("美咲", "ミサキ"), ("陽子", "ヨウコ"), ("誠", "マコト"), ("大輔", "ダイスケ"), ("恵子", "ケイコ"),
         ("由美", "ユミ"), ("拓也", "タクヤ"), ("直樹", "ナオキ"), ("智子", "トモコ"), ("浩二", "コウジ"),
         ("さくら", "サクラ"), ("蓮", "レン"), ("結衣", "ユイ"), ("悠真", "ユウマ"), ("和子", "カズコ"),
         ("正人", "マサト"), ("優子", "ユウコ"), ("隆", "タカシ"), ("真由美", "マユミ"), ("修", "オサム"),
         ("千尋", "チヒロ"), ("亮", "リョウ"), ("明美", "アケミ"), ("勇気", "ユウキ"), ("恭子", "キョウコ")]
WARDS = {  # 区: (postal prefixes, towns)
    "門司区": (["800-00", "801-08"], ["大里本町", "栄町", "清滝", "東本町", "柳町", "高田"]),
    "小倉北区": (["802-00", "803-08"], ["城内", "浅野", "京町", "魚町", "紺屋町", "大手町", "古船場町", "木町"]),
    "小倉南区": (["800-02", "802-08"], ["守恒", "徳力", "曽根", "葛原", "北方", "湯川"]),
    "若松区": (["808-00", "808-01"], ["本町", "白山", "畠田", "高須東", "浜町"]),
    "八幡東区": (["805-00"], ["中央", "尾倉", "祇園", "東田", "荒生田"]),
    "八幡西区": (["806-00", "807-08"], ["黒崎", "折尾", "則松", "藤田", "陣原", "本城"]),
    "戸畑区": (["804-00"], ["新池", "千防", "沢見", "中本町", "天神"]),
}
BUILDINGS = ["サンハイツ", "コーポ", "グランドメゾン", "ハイツ", "レジデンス"]
COMPANY_PLACE = ["小倉", "門司", "若松", "八幡", "戸畑", "紫川", "到津", "黒崎", "響灘", "皿倉", "関門", "曽根"]
COMPANY_BIZ = ["製作所", "運輸", "建設", "鉄工", "食品", "商事", "電機工業", "システム", "設備", "印刷", "物産", "企画"]
LG5 = ["40100", "40130", "40202", "40203", "40204", "40205", "40213", "40621", "13101", "13104", "27100",
       "01100", "14100", "23100", "26100", "40383"]
OPINIONS = ["窓口の待ち時間が長かったので改善してほしいです。", "職員の方の対応が丁寧で分かりやすかったです。",
            "駐車場をもっと広くしてほしいと思います。", "オンラインで申請できる手続を増やしてください。",
            "案内表示が見やすくなり、迷わずに済みました。", "待ち時間は約30分でしたが、説明は丁寧でした。",
            "土曜日も窓口を開けてもらえると助かります。", "番号札の呼び出しが聞き取りにくかったです。",
            "記入例がもう少し分かりやすいとありがたいです。", "2階の窓口の場所が分かりにくかったです。",
            "マイナンバーカードの手続がすぐに終わりました。", "子ども連れでも利用しやすい雰囲気でした。",
            "申請書の字が小さくて読みにくいです。", "手数料の支払いにキャッシュレス決済を導入してください。",
            "毎回同じことを書くのが大変なので簡単にしてほしい。", "受付から15分ほどで終わり、満足しています。"]
ERAS = [("令和", date(2019, 5, 1)), ("平成", date(1989, 1, 8)), ("昭和", date(1926, 12, 25))]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def day(self, a, b):
        return a + timedelta(days=self.r.randrange((b - a).days + 1))

    def wareki(self, d, kanji_ok=True):
        for era, start in ERAS:
            if d >= start:
                break
        y = d.year - start.year + 1
        r = self.r.random()
        if y == 1 and self.r.random() < 0.75:
            ys = "元"
        elif r < 0.08 and kanji_ok:
            ys = kanji_small(y)
        else:
            ys = str(y)
        if r < 0.08 and kanji_ok:
            s = f"{era}{ys}年{kanji_small(d.month)}月{kanji_small(d.day)}日"
        elif r < 0.28:
            s = f"{era}{ys}年{d.month}月{d.day}日".translate(ZEN)
        elif r < 0.38:
            s = f"{era} {ys}年 {d.month}月 {d.day}日"
        else:
            s = f"{era}{ys}年{d.month}月{d.day}日"
        return s, d.isoformat()

    def recent(self):
        return self.wareki(self.day(date(2023, 1, 4), date(2025, 12, 26)))

    def birth(self):
        r = self.r.random()
        if r < 0.06:
            d = self.day(date(1989, 1, 8), date(1989, 12, 31))  # 平成元年
        elif r < 0.10:
            d = self.day(date(2019, 5, 1), date(2019, 12, 31))  # 令和元年
        elif r < 0.12:
            d = self.day(date(1989, 1, 1), date(1989, 1, 7))  # 昭和64年
        elif r < 0.14:
            d = self.day(date(2019, 1, 1), date(2019, 4, 30))  # 平成31年
        else:
            d = self.day(date(1932, 1, 1), date(2018, 12, 31))
        return self.wareki(d, kanji_ok=False)

    def person(self):
        (sn, sk), (gn, gk) = self.r.choice(SURNAMES), self.r.choice(GIVEN)
        return sn, f"{sn}　{gn}", f"{sk}　{gk}"

    def ward(self):
        return self.r.choice(list(WARDS))

    def postal(self, ward=None):
        ward = ward or self.ward()
        p = self.r.choice(WARDS[ward][0]) + f"{self.r.randrange(100):02d}"
        if self.r.random() < 0.05:
            p = "802-8501"
        return ("〒" + p if self.r.random() < 0.5 else p), p

    def address(self, ward):
        r = self.r
        town = r.choice(WARDS[ward][1])
        form = r.random()
        if form < 0.35:
            tail = f"{town}{r.randint(1, 5)}丁目{r.randint(1, 30)}番{r.randint(1, 25)}号"
        elif form < 0.6:
            tail = f"{town}{r.randint(1, 12)}番{r.randint(1, 30)}号"
        else:
            tail = f"{town}{r.randint(1, 5)}-{r.randint(1, 30)}-{r.randint(1, 25)}"
        s = ("福岡県" if r.random() < 0.2 else "") + "北九州市" + ward + tail
        if r.random() < 0.25 and len(s) < 22:
            s += f"　{r.choice(BUILDINGS)}{r.choice(COMPANY_PLACE)}{r.randint(1, 6)}0{r.randint(1, 9)}"
        if r.random() < 0.3:
            s = s.translate(ZEN)
        return s, half(s)

    def phone(self, mobile=None):
        r = self.r
        if mobile if mobile is not None else r.random() < 0.45:
            s = f"{r.choice(['090', '080', '070'])}-{r.randint(1000, 9999)}-{r.randint(0, 9999):04d}"
        else:
            s = f"093-{r.randint(200, 980)}-{r.randint(0, 9999):04d}"
        return s, s

    def small_number(self, lo, hi, kanji=True):
        n = self.r.randint(lo, hi)
        r = self.r.random()
        if kanji and n <= 10 and r < 0.2:
            s = "十" if n == 10 else KANJI[n]
        elif r < 0.4:
            s = str(n).translate(ZEN)
        else:
            s = str(n)
        return s, str(n)

    def money(self):
        r = self.r
        n = r.choice([r.randint(10, 999) * 1000, r.randint(1, 99) * 10000, r.randint(100000, 99999999)])
        s = f"{n:,}" if r.random() < 0.9 else str(n)
        if r.random() < 0.55:
            s += "円"
        return s, str(n)

    def lgcode(self):
        c = self.r.choice(LG5)
        rem = sum(int(d) * w for d, w in zip(c, (6, 5, 4, 3, 2))) % 11
        cd = (11 - rem) % 10 if rem else 0
        s = c + str(cd)
        return s, s

    def company(self):
        r = self.r
        core = r.choice(COMPANY_PLACE) + r.choice(COMPANY_BIZ)
        kind = r.random()
        if kind < 0.5:
            return "株式会社" + core
        if kind < 0.75:
            return core + "株式会社"
        return r.choice(["有限会社", "合同会社", "一般社団法人"]) + core

    def mark(self):
        return self.r.choice(["✓", "✓", "×", "■"])


def values_shinsei(g):
    r = g.r
    v = {}
    surname, name, kana = g.person()
    ward = g.ward()
    v["申請日"] = g.recent()
    v["フリガナ"] = (kana, kana)
    v["氏名"] = (name, name)
    v["生年月日"] = g.birth()
    v["郵便番号"] = g.postal(ward)
    v["住所"] = g.address(ward)
    v["電話番号"] = g.phone()
    v["通数"] = g.small_number(1, 10)
    k = r.random()
    chosen = set()
    if k < 0.7:
        chosen = {r.randrange(3)}
    elif k < 0.82:
        chosen = set(r.sample(range(3), 2))
    for i, it in enumerate(["運転免許証", "マイナンバーカード", "パスポート"]):
        v[f"本人確認_{it}"] = (g.mark(), True) if i in chosen else ("", False)
    v["押印"] = (surname, True) if r.random() < 0.6 else ("", False)
    return v


def values_todoke(g):
    r = g.r
    v = {}
    surname, name, _ = g.person()
    v["届出日"] = g.recent()
    v["事業者名"] = (g.company(),) * 2
    rep = (r.choice(["代表取締役　", "代表社員　", "理事長　"]) if r.random() < 0.35 else "") + name
    v["代表者氏名"] = (rep, rep)
    v["担当者電話"] = g.phone()
    k = r.randrange(3)
    for i, it in enumerate(["新規", "変更", "廃止"]):
        v[f"区分_{it}"] = (g.mark(), True) if i == k else ("", False)
    v["団体コード"] = g.lgcode()
    v["金額"] = g.money()
    v["件数"] = g.small_number(1, 250, kanji=False)
    v["押印"] = (surname, True) if r.random() < 0.6 else ("", False)
    return v


def values_enquete(g):
    r = g.r
    v = {"回答日": g.recent(), "年齢": g.small_number(18, 92, kanji=False)}
    sex = r.randrange(3) if r.random() < 0.92 else None
    for i, it in enumerate(["男性", "女性", "回答しない"]):
        v[f"性別_{it}"] = (g.mark(), True) if i == sex else ("", False)
    sat = min(4, int(abs(r.gauss(1.2, 1.2))))
    for i, it in enumerate(["満足", "やや満足", "普通", "やや不満", "不満"]):
        v[f"満足度_{it}"] = (g.mark(), True) if i == sat else ("", False)
    for it in ["市民課", "税務課", "保健福祉課"]:
        v[f"窓口_{it}"] = (g.mark(), True) if r.random() < 0.4 else ("", False)
    v["郵便番号"] = g.postal()
    op = r.choice(OPINIONS)
    if r.random() < 0.3:
        op = op.translate(ZEN)
    v["ご意見"] = (op, half(op))
    return v


VALUES = {"shinsei": values_shinsei, "todoke": values_todoke, "enquete": values_enquete}


def fill_values(layout, fields, g):
    v = VALUES[layout](g)
    for f in fields:  # a few optional fields left empty
        if not f["required"] and f["type"] not in ("checkbox", "stamp") and g.r.random() < 0.12:
            v[f["name"]] = ("", "")
    return v


# --------------------------------------------------------------------------- rendering the filled page
def put_text(d, bbox, s, path, size, r, ink):
    bx, by, bw, bh = bbox
    pad = r.randint(10, 22)
    while size > 18 and font(path, size).getlength(s) > bw - pad - 12:
        size -= 1
    if font(path, size).getlength(s) > bw - pad - 12:
        pad = 10
    f = font(path, size)
    t, b = f.getbbox("国", anchor="ls")[1::2]
    cy = by + bh / 2 + r.uniform(-2, 2)
    x, y = bx + pad, cy - (t + b) / 2
    d.text((x, y), s, font=f, fill=ink, anchor="ls")
    l, t2, r2, b2 = d.textbbox((x, y), s, font=f, anchor="ls")
    assert l >= bx + 6 and t2 >= by + 6 and r2 <= bx + bw - 6 and b2 <= by + bh - 6, (s, bbox, (l, t2, r2, b2))


def put_mark(d, bbox, mark, r, ink):
    x, y, w, h = bbox
    j = lambda: r.uniform(-1.5, 1.5)
    if mark == "✓":
        pts = [(x + 6 + j(), y + 14 + j()), (x + 12 + j(), y + 22 + j()), (x + 23 + j(), y + 5 + j())]
        d.line(pts, fill=ink, width=r.choice([3, 4]), joint="curve")
    elif mark == "×":
        wd = r.choice([3, 4])
        d.line([(x + 6 + j(), y + 6 + j()), (x + 22 + j(), y + 22 + j())], fill=ink, width=wd)
        d.line([(x + 22 + j(), y + 6 + j()), (x + 6 + j(), y + 22 + j())], fill=ink, width=wd)
    else:
        d.rectangle([x + 5, y + 5, x + w - 6, y + h - 6], fill=ink)


def put_seal(page, bbox, name, r):
    """Red round seal (印影) with the surname written top to bottom, multiplied onto the RGB page."""
    bx, by, bw, bh = bbox
    rad = r.randint(36, 44)
    size = 2 * rad + 8
    a = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(a)
    c = size / 2
    d.ellipse([c - rad, c - rad, c + rad, c + rad], outline=255, width=r.choice([3, 4, 5]))
    n = len(name)
    fs = {1: 50, 2: 34, 3: 24}[n]
    f = font(r.choice([MINCHO, GOTHIC]), fs)
    step = fs * 1.02
    for i, ch in enumerate(name):
        d.text((c, c + (i - (n - 1) / 2) * step), ch, font=f, fill=255, anchor="mm", stroke_width=1, stroke_fill=255)
    a = a.rotate(r.uniform(-15, 15), resample=Image.BICUBIC)
    al = np.asarray(a).astype(np.float32) / 255.0
    rng = np.random.default_rng(r.randrange(2**32))
    tex = cv2.GaussianBlur(rng.random((size, size)).astype(np.float32), (0, 0), 2.0)
    tex = np.clip((tex - tex.min()) / (np.ptp(tex) + 1e-6) * 1.6, 0.0, 1.0)
    al = al * (0.55 + 0.45 * tex) * r.uniform(0.8, 0.95)
    col = np.array([r.randint(190, 225), r.randint(25, 60), r.randint(35, 65)], np.float32)
    x0 = bx + r.randint(8, bw - size - 8) if bw - size > 16 else bx + (bw - size) // 2
    y0 = by + r.randint(8, bh - size - 8) if bh - size > 16 else by + (bh - size) // 2
    reg = page[y0:y0 + size, x0:x0 + size].astype(np.float32)
    mult = (1 - al[..., None]) + al[..., None] * (col / 255.0)
    page[y0:y0 + size, x0:x0 + size] = np.clip(reg * mult, 0, 255).astype(np.uint8)


def render_form(template, fields, values, r):
    img = template.convert("RGB")
    d = ImageDraw.Draw(img)
    path = r.choice([MINCHO, MINCHO, GOTHIC, GOTHIC, NOTO])
    size = r.randint(26, 32)
    ink = (r.randint(10, 45),) * 3
    seals = []
    for f in fields:
        printed, _ = values[f["name"]]
        if not printed:
            continue
        if f["type"] == "checkbox":
            put_mark(d, f["bbox"], printed, r, ink)
        elif f["type"] == "stamp":
            seals.append((f["bbox"], printed))
        else:
            put_text(d, f["bbox"], printed, path, size, r, ink)
    page = np.asarray(img).copy()
    for bbox, name in seals:
        put_seal(page, bbox, name, r)
    return page, {"font": Path(path).stem, "size": size}


# --------------------------------------------------------------------------- foreign pages (none of the forms)
LETTER = ["日頃より市政の推進にご理解とご協力を賜り、厚くお礼申し上げます。",
          "さて、このたび下記のとおり地域説明会を開催することとなりましたので、ご案内いたします。",
          "ご多忙のところ誠に恐縮ですが、万障お繰り合わせの上ご出席くださいますようお願い申し上げます。",
          "なお、当日は公共交通機関をご利用ください。駐車場には限りがございます。",
          "ご不明な点がございましたら、下記担当までお問い合わせください。",
          "本事業は、地域の皆様の安全で快適な暮らしを守るため、道路や公園の維持管理を計画的に進めるものです。",
          "説明会では、工事の期間や交通規制の内容、騒音対策等について詳しくご説明いたします。"]


def foreign_page(kind, r):
    im = Image.new("L", (W, H), 255)
    d = ImageDraw.Draw(im)
    T = lambda xy, s, size=24, path=MINCHO, anchor="la", fill=0: d.text(
        xy, s, font=font(path, size), fill=fill, anchor=anchor)
    if kind == "letter":
        T((1150, 90), "令和6年9月2日", 24, anchor="ra")
        T((90, 150), "地域住民の皆様", 28)
        T((1150, 210), "北九州市建設局道路部", 24, anchor="ra")
        T((W / 2, 320), "地域説明会の開催について（お知らせ）", 36, anchor="mm")
        y = 400
        for i in range(14):
            T((110 if i % 3 else 90, y), r.choice(LETTER)[:40], 24)
            y += 44
        T((W / 2, y + 30), "記", 28, anchor="mm")
        for k, line in enumerate(["1　日時　令和6年10月5日（土）14時～15時30分", "2　場所　小倉北区役所 3階 大会議室",
                                  "3　内容　道路改良工事の概要について", "4　問合せ　道路計画課　電話 093-582-2281"]):
            T((160, y + 90 + k * 46), line, 24)
    elif kind == "blank":
        T((90, 120), "メモ", 26, GOTHIC)
        for k in range(r.randint(3, 6)):
            y = 250 + k * 110 + r.randint(-20, 20)
            pts = [(150 + i * 40, y + r.randint(-6, 6)) for i in range(r.randint(8, 22))]
            d.line(pts, fill=60, width=3, joint="curve")
        d.line([(90, 1600), (1150, 1600)], fill=0, width=2)
    elif kind == "table":
        T((W / 2, 110), "会議出席者名簿", 36, GOTHIC, "mm")
        T((1150, 170), "令和6年度 第2回 地域協議会", 20, GOTHIC, "ra")
        heads = ["No.", "所属", "役職", "氏名", "出欠", "備考"]
        xs = [90, 170, 470, 650, 900, 1000, 1150]
        for i in range(19):
            y0 = 220 + i * 60
            for j in range(6):
                d.rectangle([xs[j], y0, xs[j + 1], y0 + 60], outline=0, width=2, fill=225 if i == 0 else None)
            cells = heads if i == 0 else [str(i), r.choice(COMPANY_PLACE) + "校区自治会", r.choice(["会長", "副会長", "委員"]),
                                          r.choice(SURNAMES)[0] + "　" + r.choice(GIVEN)[0], r.choice(["出", "欠"]), ""]
            for j, c in enumerate(cells):
                T(((xs[j] + xs[j + 1]) / 2, y0 + 30), c, 20, GOTHIC, "mm")
    elif kind == "invoice":
        T((W / 2, 120), "請　求　書", 44, MINCHO, "mm")
        T((90, 220), "北九州市　会計室　御中", 28)
        T((1150, 220), "株式会社" + r.choice(COMPANY_PLACE) + "商事", 24, anchor="ra")
        T((1150, 260), "福岡県北九州市八幡西区黒崎3丁目1-1", 18, GOTHIC, "ra")
        d.rectangle([90, 330, 700, 400], outline=0, width=3)
        T((110, 365), "ご請求金額　　¥1,386,000-", 30, GOTHIC, "lm")
        xs = [90, 600, 760, 920, 1150]
        for i in range(12):
            y0 = 460 + i * 52
            for j in range(4):
                d.rectangle([xs[j], y0, xs[j + 1], y0 + 52], outline=0, width=1, fill=230 if i == 0 else None)
            row = ["品名", "数量", "単価", "金額"] if i == 0 else (
                ["事務用品一式", "1", "126,000", "126,000"] if i < 6 else ["", "", "", ""])
            for j, c in enumerate(row):
                T(((xs[j] + xs[j + 1]) / 2, y0 + 26), c, 20, GOTHIC, "mm")
    elif kind == "other_city":
        T((W / 2, 120), "戸籍証明書等交付請求書", 42, GOTHIC, "mm")
        T((90, 190), "福岡市長　あて", 26)
        for i in range(8):
            y0 = 260 + i * 90
            d.rectangle([90, y0, 330, y0 + 90], outline=0, width=2, fill=240)
            d.rectangle([330, y0, 1150, y0 + 90], outline=0, width=2)
            T((210, y0 + 45), ["本籍", "筆頭者", "請求者", "住所", "生年月日", "請求理由", "通数", "手数料"][i], 22, GOTHIC, "mm")
        for k, line in enumerate(["※ 本籍地が福岡市以外の場合は、本籍地の市区町村へ請求してください。",
                                  "※ 手数料：戸籍謄本 450円、除籍謄本 750円"]):
            T((90, 1030 + k * 36), line, 20, GOTHIC)
    elif kind == "fax":
        T((W / 2, 110), "ＦＡＸ送信票", 44, GOTHIC, "mm")
        for k, (a, b) in enumerate([("宛先", "北九州市 小倉北区役所 市民課 御中"), ("送信元", "株式会社紫川システム 総務部"),
                                    ("日付", "2024年7月18日"), ("枚数", "本紙を含め 3 枚")]):
            y0 = 220 + k * 80
            T((120, y0), a, 26, GOTHIC)
            T((320, y0), b, 26, GOTHIC)
            d.line([(320, y0 + 40), (1120, y0 + 40)], fill=0, width=1)
        d.rectangle([90, 580, 1150, 1500], outline=0, width=2)
        T((120, 610), "連絡事項", 24, GOTHIC)
        for k in range(6):
            T((130, 680 + k * 50), r.choice(LETTER)[:38], 22)
    elif kind == "map":
        T((W / 2, 100), "会場案内図", 40, GOTHIC, "mm")
        for _ in range(14):
            x, y = r.randint(100, 1000), r.randint(200, 1400)
            d.rectangle([x, y, x + r.randint(60, 200), y + r.randint(40, 160)], outline=0, width=2,
                        fill=r.choice([None, 220, 200]))
        d.line([(60, 900), (1180, 820)], fill=100, width=30)
        d.line([(640, 180), (600, 1500)], fill=100, width=24)
        d.ellipse([700, 600, 780, 680], outline=0, width=4)
        T((800, 640), "会場", 28, GOTHIC, "lm")
        T((90, 1560), "JR小倉駅から徒歩約10分　モノレール平和通駅から徒歩5分", 22, GOTHIC)
    elif kind == "newsletter":
        d.rectangle([60, 60, 1180, 180], fill=40)
        T((W / 2, 120), "きたきゅうしゅう 市政だより", 44, GOTHIC, "mm", 255)
        for col in (0, 1):
            x = 90 + col * 540
            T((x, 230), ["健康づくり教室のご案内", "粗大ごみの出し方が変わります"][col], 28, GOTHIC)
            for k in range(26):
                T((x, 290 + k * 40), r.choice(LETTER)[:20], 22)
        d.line([(620, 220), (620, 1350)], fill=0, width=1)
    return np.asarray(im.convert("RGB")).copy()


FOREIGN_KINDS = ["letter", "blank", "table", "invoice", "other_city", "fax", "map", "newsletter"]


# --------------------------------------------------------------------------- scan flaws
def draw_flaws(r, upside_down=False):
    return {"rotation": round(r.uniform(-3, 3), 2), "scale": round(r.uniform(0.96, 1.04), 4),
            "shift": [r.randint(-30, 30), r.randint(-30, 30)], "upside_down": upside_down,
            "blur": r.random() < 0.3, "blur_sigma": round(r.uniform(0.5, 1.1), 2),
            "noise": round(r.uniform(3, 10), 1), "contrast": round(r.uniform(0.85, 1.1), 3),
            "white": None, "white_pick": r.random(), "tint": r.random() < 0.3}


def pick_white(fl, lossless):
    """Scanner white point: usually above 255 (clean white background, noise clipped there), sometimes a grey
    background with all its noise. Lossless containers always get the clean background (file size)."""
    u = fl.pop("white_pick")
    if lossless or u < 0.85:
        fl["white"] = round(255 + fl["noise"] * (1.5 + 1.5 * u))
    else:
        fl["white"] = 232 + int(26 * (u - 0.85) / 0.15)


def apply_flaws(page, fl, seed):
    """page: HxWx3 uint8 RGB. Returns the flawed RGB page; sets fl['matrix']."""
    c = ((W - 1) / 2, (H - 1) / 2)
    A = cv2.getRotationMatrix2D(c, fl["rotation"], fl["scale"])
    A[:, 2] += fl["shift"]
    if fl["upside_down"]:
        F = np.array([[-1, 0, W - 1], [0, -1, H - 1], [0, 0, 1]], np.float64)
        A = A @ F
    fl["matrix"] = [[round(float(v), 5) for v in row] for row in A]
    out = cv2.warpAffine(page, A, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                         borderValue=(255, 255, 255)).astype(np.float32)
    if fl["blur"]:
        out = cv2.GaussianBlur(out, (0, 0), fl["blur_sigma"])
    rng = np.random.default_rng(seed)
    out += rng.normal(0, fl["noise"], (H, W, 1)).astype(np.float32)
    alpha = fl["contrast"]
    beta = fl["white"] - 255 * alpha  # paper white maps to `white` (>255: scanner clips the background)
    out = out * alpha + beta
    if fl["tint"]:
        out *= np.array([1.0, 0.985, 0.95], np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def to_pil(arr, color):
    im = Image.fromarray(arr)
    if color == "gray":
        return im.convert("L")
    if color == "1bit":
        g = np.asarray(im.convert("L"))
        return Image.fromarray(((g > 175) * 255).astype(np.uint8)).convert("1")
    return im


def jpeg_roundtrip(im, q):
    b = io.BytesIO()
    im.save(b, "JPEG", quality=q)
    return Image.open(io.BytesIO(b.getvalue())).convert(im.mode)


# --------------------------------------------------------------------------- the pile
def make_pages(templates, n_per_layout, n_foreign, n_upside, seed):
    r = random.Random(seed)
    specs = [(lay, i) for lay in BUILDERS for i in range(n_per_layout)] + [(None, k) for k in range(n_foreign)]
    r.shuffle(specs)
    form_idx = [i for i, s in enumerate(specs) if s[0]]
    upside = set(r.sample(form_idx, n_upside - 1)) | {r.choice([i for i, s in enumerate(specs) if not s[0]])}
    pages = []
    for i, (lay, k) in enumerate(specs):
        pr = random.Random(seed * 1000 + i)
        kind = None if lay else FOREIGN_KINDS[k % len(FOREIGN_KINDS)]
        vals = fill_values(lay, templates[lay][1], Gen(pr.randrange(2**32))) if lay else {}
        fl = draw_flaws(pr, i in upside)
        pages.append({"form": lay, "kind": kind, "values": vals, "flaws": fl, "seed": seed * 7919 + i,
                      "render_seed": pr.randrange(2**32), "seal": bool(vals.get("押印", ("", False))[1]),
                      "color_pref": pr.random()})
    return pages


def color_of(p, container):
    if container in ("tif_g4", "png_1bit"):
        return "1bit"
    if container in ("png", "tif_lzw"):  # lossless colour pages get huge; these scanners ran in grey mode
        return "gray"
    if p["seal"]:
        return "rgb"
    return "rgb" if p["color_pref"] < 0.3 else "gray"


def truth_entry(file, page_no, p):
    fl = dict(p["flaws"])
    out = {"file": file, "page": page_no, "form": p["form"],
           "flaws": {k: fl[k] for k in ("rotation", "scale", "shift", "upside_down", "jpeg", "blur", "noise")},
           "values": {k: v[1] for k, v in p["values"].items()},
           "printed": {k: v[0] for k, v in p["values"].items()}}
    out["flaws"].update({"blur_sigma": fl["blur_sigma"] if fl["blur"] else None, "contrast": fl["contrast"],
                         "white": fl["white"], "color": fl["color"], "matrix": fl["matrix"]})
    out["render"] = p["meta"]
    return out


def save_pdf(path, ims, q):
    ims[0].save(path, "PDF", save_all=True, append_images=ims[1:], resolution=DPI, quality=q,
                creationDate=PDF_DATE, modDate=PDF_DATE, producer="civicdx ocr_corpus", title=path.stem)


def write_pile(pages, templates, scans, seed):
    """Assign containers, apply flaws, write files; return truth entries."""
    r = random.Random(seed + 1)
    if scans.exists():
        shutil.rmtree(scans)
    scans.mkdir(parents=True)
    # containers, in pile order: 6 PDFs, 2 TIFFs, the rest single images (about 1 in 10 PNG)
    plan = [("pdf", 4), ("pdf", 3), ("pdf", 5), ("pdf", 6), ("pdf", 3), ("pdf", 4), ("tif_lzw", 2), ("tif_g4", 6)]
    n_multi = sum(n for _, n in plan)
    singles = len(pages) - n_multi
    kinds = [("jpg", 1)] * singles
    for k, i in enumerate(r.sample(range(singles), max(2, singles // 11))):
        kinds[i] = ("png", 1) if k % 3 == 2 else ("png_1bit", 1)
    seq = kinds + plan
    r.shuffle(seq)
    truth, idx = [], 0
    for fno, (kind, n) in enumerate(seq, 1):
        group = pages[idx:idx + n]
        idx += n
        ims = []
        q_file = None
        if kind == "jpg":
            q_file = r.randint(40, 60) if r.random() < 0.8 else r.randint(61, 85)
        elif kind == "pdf":
            q_file = r.randint(40, 60)
        lossless = kind in ("png", "png_1bit", "tif_lzw", "tif_g4")
        for p in group:
            fl = p["flaws"]
            fl["color"] = color_of(p, kind)
            pick_white(fl, lossless)
            rr = random.Random(p["render_seed"])
            if p["form"]:
                tpl, fields = templates[p["form"]]
                page, p["meta"] = render_form(tpl, fields, p["values"], rr)
            else:
                page, p["meta"] = foreign_page(p["kind"], rr), {"kind": p["kind"]}
            arr = apply_flaws(page, fl, p["seed"])
            if kind in ("png", "tif_lzw"):  # lossless containers: some pages went through JPEG upstream
                fl["jpeg"] = r.randint(40, 85) if r.random() < 0.35 else None
            else:
                fl["jpeg"] = q_file
            im = to_pil(arr, fl["color"])
            if fl["jpeg"] and kind in ("png", "tif_lzw"):
                im = jpeg_roundtrip(im, fl["jpeg"])
            if kind in ("tif_g4", "png_1bit"):
                fl["jpeg"] = None
            ims.append(im)
        ext = {"tif_lzw": "tif", "tif_g4": "tif", "png_1bit": "png"}.get(kind, kind)
        name = f"scan_{fno:03d}.{ext}"
        path = scans / name
        if kind == "jpg":
            ims[0].save(path, "JPEG", quality=q_file, dpi=(DPI, DPI), optimize=True, progressive=r.random() < 0.8)
        elif kind in ("png", "png_1bit"):
            ims[0].save(path, "PNG", optimize=True, dpi=(DPI, DPI))
        elif kind == "pdf":
            save_pdf(path, ims, q_file)
        else:
            ims[0].save(path, "TIFF", save_all=True, append_images=ims[1:], dpi=(DPI, DPI),
                        compression="group4" if kind == "tif_g4" else "tiff_lzw")
        for k, p in enumerate(group, 1):
            truth.append(truth_entry(f"scans/{name}", k, p))
    return truth


def build_templates(out_dir):
    templates = {}
    for key, b in BUILDERS.items():
        s = b()
        s.save(out_dir)
        templates[key] = (s.im, s.fields)
    return templates


def check_fields(templates):
    for key, (_, fields) in templates.items():
        names = [f["name"] for f in fields]
        assert len(names) == len(set(names)), key
        for f in fields:
            x, y, w, h = f["bbox"]
            assert x >= 0 and y >= 0 and x + w <= W and y + h <= H, f
            if f["type"] == "checkbox":
                assert (w, h) == (CB, CB), f


# --------------------------------------------------------------------------- fixtures for unit tests
def make_fixtures(templates):
    # only (over)writes its own files
    for lay in ("shinsei", "todoke"):
        (FIXTURES / "forms" / lay).mkdir(parents=True, exist_ok=True)
        for fn in ("template.png", "fields.json"):
            shutil.copy(HERE / "forms" / lay / fn, FIXTURES / "forms" / lay / fn)
    truth = []
    def geo(rot, sc, dx, dy, ud=False):
        return {"rotation": rot, "scale": sc, "shift": [dx, dy], "upside_down": ud}

    specs = [("shinsei_clean.jpg", "shinsei", geo(0.3, 1.0, 4, -3), 11),
             ("shinsei_rotated.jpg", "shinsei", geo(2.5, 0.98, 24, -18), 12),
             ("shinsei_upside_down.jpg", "shinsei", geo(-0.8, 1.01, -10, 12, True), 13),
             ("mixed.pdf", "todoke", geo(-1.2, 1.0, 8, 10), 14),
             ("mixed.pdf", None, geo(0.6, 0.99, -6, 4), 15)]
    pdf_ims = []
    for name, lay, shape, sd in specs:
        pr = random.Random(sd)
        if lay:
            tpl, fields = templates[lay]
            g = Gen(sd)
            vals = VALUES[lay](g)  # fixtures: every field filled
            surname = vals["氏名" if lay == "shinsei" else "代表者氏名"][0].split("　")[-2]
            vals["押印"] = ("", False) if sd == 12 else (surname, True)
            arr, meta = render_form(tpl, fields, vals, pr)
        else:
            arr, meta, vals = foreign_page("letter", pr), {"kind": "letter"}, {}
        fl = dict(shape, blur=False, blur_sigma=0.0, noise=3.0 if sd == 11 else 4.5, contrast=1.0, white=264,
                  tint=False, jpeg=80, color="rgb" if lay is not None else "gray")
        im = to_pil(apply_flaws(arr, fl, sd), fl["color"])
        p = {"form": lay, "values": vals, "flaws": fl, "meta": meta}
        if name.endswith(".jpg"):
            im.save(FIXTURES / name, "JPEG", quality=80, dpi=(DPI, DPI))
            truth.append(truth_entry(name, 1, p))
        else:
            pdf_ims.append(im)
            truth.append(truth_entry(name, len(pdf_ims), p))
    save_pdf(FIXTURES / "mixed.pdf", pdf_ims, 80)
    write_truth(FIXTURES / "truth.json", truth)


def write_truth(path, pages):
    """{"pages": [...]} with one page per line (diff-friendly, about half the size of indented JSON)."""
    body = ",\n".join(json.dumps(p, ensure_ascii=False) for p in pages)
    path.write_text('{"pages": [\n' + body + "\n]}\n", encoding="utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fixtures-only", action="store_true")
    ap.add_argument("--per-layout", type=int, default=PER_LAYOUT)
    args = ap.parse_args()
    templates = build_templates(HERE / "forms")
    check_fields(templates)
    tpl = templates["todoke"][0]
    tpl.save(HERE / "forms" / "todoke" / "template.pdf", "PDF", resolution=DPI, quality=95,
             creationDate=PDF_DATE, modDate=PDF_DATE, producer="civicdx ocr_corpus", title="todoke")
    make_fixtures(templates)
    if args.fixtures_only:
        return
    pages = make_pages(templates, args.per_layout, N_FOREIGN, N_UPSIDE, SEED)
    truth = write_pile(pages, templates, HERE / "scans", SEED)
    write_truth(HERE / "truth.json", truth)
    print(f"{len(truth)} pages in {len({t['file'] for t in truth})} files")


if __name__ == "__main__":
    main()
