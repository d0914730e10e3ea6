"""The standard survey format (標準様式): columns, allowed values and categories. Pure: no Django."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str  # canonical name in code
    header: str  # the header as spelled in the standard format
    level: str  # "org", "task" or "step"
    hint: str = ""  # shown in the template's instructions and as the header's note
    required: bool = False
    width: int = 12


COLUMNS: tuple[Column, ...] = (
    Column("bureau", "局", "org", "局・区役所の名称", True, 14),
    Column("department", "部", "org", "部の名称（部がなければ空欄）", False, 14),
    Column("division", "課", "org", "課の名称", True, 14),
    Column("section", "係", "org", "係・担当の名称", True, 14),
    Column("task_code", "業務ID", "task", "係内で一意の業務ID（例: A-001）", True, 10),
    Column("task_name", "業務名", "task", "分掌事務に沿った業務の名称", True, 28),
    Column("category_major", "大分類", "task", "定員管理調査の部門（議会、総務・企画、税務 …）", False, 12),
    Column("category_minor", "中分類", "task", "事務分掌・制度の名称", False, 16),
    Column("legal_basis", "根拠法令", "task", "法律・条例・要綱など（なければ空欄）", False, 18),
    Column("core", "コア区分", "task", "コア / ノンコア", True, 10),
    Column("routine", "定型区分", "task", "定型 / 非定型", True, 10),
    Column("expertise", "専門性", "task", "有 / 無", True, 8),
    Column("step_no", "手順No", "step", "1, 2, 3 …", False, 8),
    Column("step_name", "作業名", "step", "作業手順の名称", False, 24),
    Column("step_kind", "作業種類", "step", "一覧から選択", False, 14),
    Column("minutes", "1件当たり時間(分)", "step", "分単位（90分、1.5時間も可）", False, 12),
    Column("cases", "年間件数", "step", "年間の処理件数", False, 10),
    Column("hours", "年間時間", "step", "空欄なら自動計算（手順のない業務は業務の年間時間）", False, 10),
    Column("medium", "媒体", "step", "紙 / 電子 / 紙・電子", False, 10),
    Column("seal", "押印", "step", "有 / 無", False, 8),
    Column("system", "使用システム", "step", "使っているシステム名", False, 16),
    Column("worker", "担い手", "step", "正規職員 / 会計年度任用職員 / 委託", False, 14),
    Column("busy_months", "繁忙月", "task", "例: 4,5,3（通年なら空欄）", False, 10),
    Column("note", "備考", "step", "", False, 20),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
HEADERS = tuple(c.header for c in COLUMNS)
ORG_KEYS = ("bureau", "department", "division", "section")

STEP_KINDS = (
    "受付", "審査・確認", "入力・転記", "照合・点検", "計算", "起案・決裁", "通知・発送",
    "相談・窓口対応", "照会・回答", "会議・打合せ", "現地調査", "集計・報告", "保管・整理", "その他",
)
# What clerks write instead of the canonical name.
STEP_KIND_ALIASES = {
    "受付": "受付", "受理": "受付", "審査": "審査・確認", "確認": "審査・確認", "審査確認": "審査・確認",
    "入力": "入力・転記", "転記": "入力・転記", "入力転記": "入力・転記", "データ入力": "入力・転記",
    "照合": "照合・点検", "点検": "照合・点検", "照合点検": "照合・点検", "チェック": "照合・点検",
    "計算": "計算", "算定": "計算", "起案": "起案・決裁", "決裁": "起案・決裁", "起案決裁": "起案・決裁",
    "通知": "通知・発送", "発送": "通知・発送", "通知発送": "通知・発送", "郵送": "通知・発送",
    "相談": "相談・窓口対応", "窓口対応": "相談・窓口対応", "窓口": "相談・窓口対応", "相談窓口対応": "相談・窓口対応",
    "照会": "照会・回答", "回答": "照会・回答", "照会回答": "照会・回答",
    "会議": "会議・打合せ", "打合せ": "会議・打合せ", "打ち合わせ": "会議・打合せ", "会議打合せ": "会議・打合せ",
    "現地調査": "現地調査", "現場調査": "現地調査", "調査": "現地調査",
    "集計": "集計・報告", "報告": "集計・報告", "集計報告": "集計・報告",
    "保管": "保管・整理", "整理": "保管・整理", "保管整理": "保管・整理", "ファイリング": "保管・整理",
    "その他": "その他",
}
# 定員管理調査の部門 (大分類 default list).
CATEGORIES_MAJOR = (
    "議会", "総務・企画", "税務", "労働", "農林水産", "商工", "土木", "民生", "衛生", "教育", "消防", "公営企業等",
)
MEDIA = ("紙", "電子", "紙・電子")
WORKER_TYPES = ("正規職員", "会計年度任用職員", "委託")
WORKER_ALIASES = {
    "正規職員": "正規職員", "正規": "正規職員", "職員": "正規職員", "正職員": "正規職員",
    "会計年度任用職員": "会計年度任用職員", "会計年度": "会計年度任用職員", "会計年度職員": "会計年度任用職員",
    "非常勤": "会計年度任用職員", "委託": "委託", "委託先": "委託", "外部委託": "委託",
}
MEDIUM_ALIASES = {
    "紙": "紙", "電子": "電子", "紙・電子": "紙・電子", "紙電子": "紙・電子", "紙/電子": "紙・電子",
    "紙、電子": "紙・電子", "紙,電子": "紙・電子", "両方": "紙・電子", "電子・紙": "紙・電子", "データ": "電子",
}
ROUNDS = ("全体調査", "詳細調査", "追加調査")
