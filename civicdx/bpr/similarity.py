"""Which 業務 are the same kind of work although each 係 writes them differently. Pure Python: no Django, no model.

Used for 集約化 (the same kind of work done in many 課/区役所), duplicate detection and mapping 業務 onto the
city's 大分類/中分類 taxonomy. No dependency beyond the standard library: Japanese is read as characters
(bigrams) plus small hand-written lexicons of municipal work, not with a morphological analyser or a model.

Method
------
1. ``normalize_name`` turns a 業務名 into a canonical string: NFKC and no spaces; noise such as 「（その2）」
   「（再掲）」 and a trailing 係 qualifier 「（庶務係）」「（審査）」「（郵送分）」 dropped; okurigana variants
   collapsed (受け付け → 受付, 申し込み → 申込, 取り扱い → 取扱, 支払い → 支払, 届け出 → 届出 …); connectives
   that carry no meaning (「〜に関する」「〜に係る」「〜への」「〜からの」, 「等」, a trailing 「事務」「業務」
   「関係」) and the 「の」 between words removed; a short, conservative list of synonyms unified, most of them
   only in a context (発行 → 交付, 清算 → 精算, 受理 → 受付, 問い合わせ → 照会, 超過勤務/残業 → 時間外勤務,
   住民票の写し → 住民票, 印鑑証明 → 印鑑登録証明書, 戸籍謄抄本 → 戸籍証明書, 他課からの照会 → 庁内照会,
   消耗品の購入 → 物品購入, 国保 → 国民健康保険 …). Equal canonical strings mean the same work.
2. The name is read as *qualifier の object + actions*: the actions are words of a fixed lexicon (交付, 受付, 審査,
   支給, 精算, 管理 … about 110 words in 70 groups) found at its end. The trailing ones (「受付・交付」) are what
   the 業務 does; an earlier one is part of what it acts on (「事業者への指導」の更新). What stands before the last
   removed 「の」 of the object qualifies it (「職員の出張に係る」旅費).
3. Two names are compared on weighted character bigrams (an action weighs as one word whatever its length, a
   qualifier half, hiragana half; no bigram across the object and an action):

   - score = containment^0.8 × Dice^0.2 of the shared weight (containment: shared / the lighter name, so that
     「旅費」 is found in 「出張旅費」; Dice penalises what only one side has),
   - × an action factor: the same trailing action, or a related one (支給/支払/精算, 審査/決定/認定 …) keeps the
     score; an unrelated one (受付 vs 審査, 購入 vs 管理) leaves about a third; a generic one (管理, 対応, 実施)
     60 %; a side without action 80 %; the same for the earlier actions when both sides have some,
   - × 0.3 when the names hold two different members of a family of distinct programmes or documents
     (児童手当 / 児童扶養手当, 個人市民税 / 法人市民税, 道路占用 / 道路使用, 住民票 / 戸籍証明書,
     特別徴収 / 普通徴収 …: ``_FAMILIES``), however alike they look,
   - and 0 when their objects share no bigram (the same action on different things).

   Step names appended after ``" | "`` only confirm or weaken: the score is multiplied by 0.8 + 0.2 × the Dice of
   the steps' bigrams when both sides have steps (different work done with the same generic steps stays apart).
4. ``group_similar`` links the pairs at or above the threshold with a union–find (single link) and returns the
   components. It never compares all pairs: identical canonical names collapse into one node; each name finds
   its candidates in an inverted index of bigrams probed with only its rarest bigrams, as many as the threshold
   requires (prefix filtering on the containment bound, exact: no pair at the threshold is missed), counts the
   shared ones in C, and pairs already in one group are not scored. One exception to single link: an *umbrella*
   (「届出の事務」「届出の管理」, or 「事業者への指導」 against 「事業者への指導の更新」) matches every specific
   業務 on its object and would chain 届出の審査 to 届出の支払; it joins a group only when all the specific
   groups it matches are one.
5. ``TaxonomyMatcher`` scores a name against labelled example names/keywords: the similarity above, or, for an
   example contained in the canonical name, 0.6 + 0.4 × the share of the name it covers; the best label, or None
   under the threshold.

Measured on ``tests/bpr/data/similar_pairs.csv`` (493 hand-labelled pairs, 44 % the same; weights and thresholds
chosen on the dev split only): at ``DEFAULT_THRESHOLD`` 0.45, dev precision 0.93 / recall 0.86, held-out test
precision 0.85 / recall 0.77. ``GROUP_THRESHOLD`` (0.55) is higher because single link multiplies wrong merges.
``bench/similarity_bench.py``: the full demo city (58,966 業務 with their steps) groups in well under a second.

Limits
------
- Lexical, not semantic: synonyms outside the built-in lists are not seen (「訪問調査」 vs 「家庭訪問」,
  「転入届の受付」 vs 「転入手続」, 「納税相談」 vs 「納付相談」, 「コピー用紙」 vs 「物品」), and a word the lists
  get wrong merges different work. Extend ``_SYNONYMS``/``_FAMILIES`` with care: each entry claims that two words
  mean the same (or never the same) thing in every 課.
- The action lexicon is read only at the end of the name; a city's own programme names are unknown to the
  families, so two of them one character apart can score high (「〇〇手当」 vs 「△〇〇手当」).
- Qualifiers weigh half: names that share a long qualifier (「〇〇地区」「〇〇推進事業」) and an action but
  differ in a short object can still link, and single link then chains groups together. Review large groups.
- Cost: exact candidate search is fast when names have rare words (a real city, the demo city). When tens of
  thousands of distinct names are written with few distinct words, candidates grow towards quadratic: the bench's
  synthetic ``--distinct`` city (58,966 distinct names from a 90-kanji vocabulary) takes minutes. Past
  ``_PROBE_BUDGET`` posting entries the most frequent bigrams are not used for lookups (then approximate).
- The labelled set was written by the same hands as the lexicons; precision on real surveys will be lower.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from itertools import chain
from math import ceil

__all__ = [
    "DEFAULT_THRESHOLD",
    "GROUP_THRESHOLD",
    "STEP_WEIGHT",
    "TAXONOMY_THRESHOLD",
    "TaxonomyMatcher",
    "group_similar",
    "normalize_name",
    "similarity",
    "split_text",
]

DEFAULT_THRESHOLD = 0.45  # pairs: similarity(a, b) >= this means "the same kind of work" (tuned on the dev split)
GROUP_THRESHOLD = 0.55  # group_similar's default: higher, as single link multiplies wrong merges
TAXONOMY_THRESHOLD = 0.5  # TaxonomyMatcher: below this the label is None
STEP_WEIGHT = 0.2  # share of the step names in similarity() when both sides have steps

STEP_SEPARATOR = " | "

# Weights of the bigrams of a name (a character of the object weighs 1; tuned on the dev split).
_W_LAST_ACTION = 1.0  # a trailing action, spread over its characters: it counts as much as one object bigram
_W_INNER_ACTION = 2.0  # an earlier action is part of the object: 1 per character of a two-character word
_W_KANA = 0.5
_ALPHA = 0.8  # object score = containment ** _ALPHA * dice ** (1 - _ALPHA)
_EMPTY_ACTION = 0.8  # action factor when only one side has a recognised action
_ACTION_FLOOR = 0.2  # action factor floor: unrelated actions give 0.2 + 0.8 × 0.15
_FAMILY_CONFLICT = 0.3
_RELATED_SCORE = 0.9  # related actions (支給/精算), before the floor is applied
_GENERIC_SCORE = 0.5  # a generic action (管理, 対応, 実施 …) against any other
_W_MODIFIER = 0.5  # a qualifier (what stands before the last 「の」 of the object)
_PROBE_BUDGET = 60_000_000  # posting entries read by group_similar's lookups before stop-grams are used

# --- normalisation ------------------------------------------------------------------------------------------

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ\u30a1-\u30fa\u30fc"
_KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々"
_WORD = _CJK + "A-Za-z0-9"

_SPACE = re.compile(r"\s+")
_NOISE_PAREN = re.compile(
    r"[(\[【〔〈《<]\s*(?:その\d+|第?\d+[回期次号部]?|続き?|追加分?|再掲|[前後上下]期|[上下]半期|\d+月分?|共通|新規|継続|仮|案)"
    r"\s*[)\]】〕〉》>]")
_TRAILING_NO = re.compile(r"[-_・]?(?:その\d+)$")
# A trailing qualifier naming the 係/課 or a share of the work: 「（審査）」「（第二係）」「（庶務担当）」「（郵送分）」.
_ORG_QUALIFIER = re.compile(
    r"[(\[【〔]\s*(?:第?[一二三四五六七八九十\d]+|[^()\[\]【】〔〕]{1,8}(?:係|課|担当|班|室|グループ|チーム|区|支所|出張所|分)"
    r"|庶務|総務|企画|管理|調整|審査|業務|指導|給付|相談|認定|計画|事業|施設|調査|経理|人事|任用|給与|賦課|納税|医療"
    r"|年金|国保|戸籍|証明|住民記録|市民税|資産税|保護第?.{0,2}|本庁|本課|各区|全庁|共通)\s*[)\]】〕]$")
_QUOTES = re.compile(r"[「」『』\"'“”‘’]")
_BRACKETS = re.compile(r"[()\[\]【】〔〕〈〉《》<>{}]")
_SEPARATORS = re.compile(r"[、，,;；/／&＆]|及び|および|並びに|ならびに|又は|または|若しくは|もしくは")
# Okurigana between two kanji: 受け付 → 受付, 申し込 → 申込, 取り扱 → 取扱, 届け出 → 届出, 払い戻 → 払戻.
_OKURIGANA_INNER = re.compile(rf"(?<=[{_KANJI}])[いえきけしせちてりれみめびぎじひわげ](?=[{_KANJI}])")
_OKURIGANA_TAIL = re.compile(
    r"(受付|申込|取扱|支払|払戻|差押|引継|繰越|振込|取消|貸付|貸出|受入|書換|切替|立替|申出|申立|割当|積立|立入"
    r"|売払|払出|引落|読取|借上|差替|取下|組替|持込|立会|取組|見積|手続|仕分|見直|打合|問合|届|割振|引渡|払込|呼出"
    r"|取りまとめ|取まとめ)(?:わせ|もり|け|み|い|え|ぎ|し|て|げ|り|せ|き|ち|れ|わ|ひ|び)(?![るたまなよ])")
_CONNECTIVES = re.compile(
    r"に関わる|に関する|に係わる|にかかわる|に係る|にかかる|に対する|に対して|についての|について|に関して|における"
    r"|に於ける|に伴う|に基づく|に向けた|のための|のため|によるもの|による|によって|としての|として")
_POSTPOSITIONS = re.compile(rf"(?<=[{_WORD}])(?:からの|よりの|までの|への|での|との|から|より|まで)")
_PARTICLE = re.compile(rf"(?<=[{_WORD}])[をにでがはとへ](?=[{_WORD}])")
_ETC = re.compile(r"(?<![平対同均高初中上劣優特何彼一二三均])等(?=の|・|$|事務|業務)")
_NO = re.compile(rf"(?<=[{_WORD}])の(?=[{_WORD}])")
_TRAILING_FILLER = re.compile(r"(?:の)?(?:事務|業務|関係|関連|全般|一般事務)$")
_LEADING_FILLER = re.compile(r"^(?:各種|その他の)")
_COPY = re.compile(r"の?写し")  # 住民票の写し → 住民票 (before okurigana: 写し等 would become 写等)
_MARK = "\x1f"  # a 「の」 between words: what comes before it qualifies what follows (職員の|旅費)
_SEGMENT = re.compile("[^・\x1f]+")
_DOTS = re.compile(r"・(?:[の\x1f]?・)*[の\x1f]?")

# Synonyms and orthographic variants, applied in order after the connectives became 「の」.
# Conservative on purpose: most are bound to a context; each one claims the two spellings are the same work.
_SYNONYMS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p, re.I), r) for p, r in (
    (r"お?問合", "照会"),
    (r"超過勤務|残業", "時間外勤務"),
    (r"清算", "精算"),
    (r"(?<!開)発行(?!為)", "交付"),
    (r"受理", "受付"),
    (r"給料", "給与"),
    (r"ボーナス", "期末勤勉手当"),
    (r"ミーティング", "会議"),
    (r"印鑑証明(?:書)?", "印鑑登録証明書"),
    (r"戸籍の?(?:謄抄本|謄本・抄本|謄本|抄本|(?:全部|個人|一部)事項証明書?|証明書?)", "戸籍証明書"),
    (r"戸籍の附票", "戸籍附票"),
    (r"マイナンバーカード", "個人番号カード"),
    (r"マイナンバー", "個人番号"),
    (r"国保(?!険)", "国民健康保険"),
    (r"国民健康保険料", "国民健康保険税"),
    (r"被保険者証", "保険証"),
    (r"障がい|障碍", "障害"),
    (r"子供|こども", "子ども"),
    (r"市・?県民税|市民県民税|住民税", "市民税"),
    (r"特定健康診査", "特定健診"),
    (r"健康診査", "健診"),
    (r"母子手帳|親子健康手帳", "母子健康手帳"),
    (r"学童保育|放課後児童健全育成事業", "放課後児童クラブ"),
    (r"一時保育", "一時預かり"),
    (r"乳幼児医療費", "子ども医療費"),
    (r"長寿祝金", "敬老祝金"),
    (r"災害時要援護者", "避難行動要支援者"),
    (r"勤務評定", "人事評価"),
    (r"庁用自動車|庁用車|公用自動車", "公用車"),
    (r"ウェ?ブサイト|ウエブサイト|webサイト|hp(?![a-z])", "ホームページ"),
    (r"(?<!個人)(?:公文書|行政文書|情報)の?(?:公開|開示)請求", "情報公開請求"),
    (r"(?:郵便物?|公文書)(?=の?(?:収受|発送|受付))", "文書"),
    (r"(?:消耗品|事務用品|備品)(?=の?(?:購入|調達))", "物品"),
    (r"(?<=物品)(の?)調達", r"\1購入"),
    (r"(?:庁内各課|他課|各課|関係課|他部署|各部署|他部局|各部局|庁内)の?照会", "庁内照会"),
    (r"国・県|県・国", "国県"),
))

_ACTIONS: dict[str, str] = {}  # word → canonical action
for _canonical, _words in {
    "受付": ["受付", "申請受付"], "収受": ["収受", "受領", "受入"], "交付": ["交付"], "再交付": ["再交付"],
    "審査": ["審査", "確認", "点検", "照合", "精査"], "決定": ["決定", "決裁"], "認定": ["認定"], "承認": ["承認"],
    "通知": ["通知", "連絡"], "発送": ["発送", "送付", "郵送"], "配布": ["配布", "配付", "配達"],
    "支給": ["支給", "給付"], "支払": ["支払", "支出"], "精算": ["精算"], "助成": ["助成"], "還付": ["還付"],
    "購入": ["購入", "調達", "発注", "買入"], "管理": ["管理", "維持管理", "運用", "管理運営"],
    "保管": ["保管", "保存", "整理"], "運営": ["運営", "運行"], "開催": ["開催"], "実施": ["実施", "執行"],
    "作成": ["作成", "策定", "編集", "起案", "調製", "編製", "作製"], "回答": ["回答"], "対応": ["対応", "処理"],
    "相談": ["相談", "面談", "相談対応"], "調査": ["調査", "現地調査"], "集計": ["集計", "分析"], "報告": ["報告"],
    "徴収": ["徴収", "収納", "収入", "納付"], "賦課": ["賦課", "課税", "算定"], "指導": ["指導", "監督", "是正指導"],
    "監査": ["監査", "指導監査"], "検査": ["検査"], "修繕": ["修繕", "補修", "維持修繕", "営繕", "修理"],
    "契約": ["契約", "締結", "契約締結"], "更新": ["更新"], "変更": ["変更"], "周知": ["周知", "啓発", "広報", "普及"],
    "推進": ["推進", "支援"], "調整": ["調整", "協議", "打合せ", "打合"], "選考": ["選考", "選定", "採択"],
    "募集": ["募集"], "採用": ["採用", "任用"], "評価": ["評価"], "廃棄": ["廃棄"], "廃止": ["廃止"],
    "減免": ["減免"], "貸出": ["貸出", "貸付", "貸与"], "閲覧": ["閲覧"], "手続": ["手続"], "入力": ["入力", "転記"],
    "除却": ["除却"], "委嘱": ["委嘱", "任命", "選任"], "計算": ["計算"], "請求": ["請求"],
    "指定": ["指定"], "返還": ["返還", "返納", "返却"], "取消": ["取消"], "停止": ["停止", "中止"],
    "委託": ["委託"], "公売": ["公売"], "開放": ["開放"], "確定": ["確定"], "診断": ["診断"], "公表": ["公表", "公告"],
    "縦覧": ["縦覧"], "勧告": ["勧告", "是正", "指示"], "収集": ["収集", "運搬", "回収"], "処分": ["処分", "撤去"],
    "清掃": ["清掃", "除草"], "測量": ["測量"], "設計": ["設計"], "記録": ["記録"], "審議": ["審議"], "登記": ["登記"],
    "解除": ["解除"], "督促": ["督促", "催告"], "整備": ["整備"],
}.items():
    for _word in _words:
        _ACTIONS[_word] = _canonical
_ACTION_WORDS = sorted(_ACTIONS, key=len, reverse=True)
_RELATED_ACTIONS = [
    {"受付", "収受"}, {"交付", "再交付"}, {"審査", "決定", "認定", "承認"}, {"通知", "発送", "配布"},
    {"支給", "支払", "精算", "助成", "計算", "請求"}, {"管理", "保管"}, {"運営", "開催", "実施"},
    {"作成", "報告", "集計"}, {"回答", "対応"}, {"相談", "対応"}, {"指導", "監査", "検査", "調査"},
    {"更新", "変更"}, {"周知", "推進"}, {"選考", "調整"}, {"採用", "募集"}, {"指導", "勧告"}, {"処分", "除却"},
    {"管理", "清掃"},
]
_GENERIC_ACTIONS = frozenset({"管理", "対応", "実施", "運営", "手続"})
_RELATED: dict[str, set[str]] = defaultdict(set)
for _group in _RELATED_ACTIONS:
    for _a in _group:
        _RELATED[_a] |= _group

# Families of distinct programmes, documents or procedures: two names holding different members of one family
# are different work (児童手当 ≠ 児童扶養手当) however alike their characters are. Matched longest-first on the
# canonical name, so 児童手当 is not found inside 児童扶養手当.
_FAMILIES: tuple[tuple[str, ...], ...] = (
    ("児童手当", "児童扶養手当", "特別児童扶養手当", "障害児福祉手当", "特別障害者手当", "福祉手当", "扶養手当",
     "通勤手当", "住居手当", "期末勤勉手当", "時間外勤務手当", "単身赴任手当", "管理職手当", "特殊勤務手当",
     "退職手当", "寒冷地手当"),
    ("国民健康保険", "後期高齢者医療", "介護保険", "国民年金", "雇用保険", "共済組合"),
    ("個人市民税", "法人市民税", "固定資産税", "都市計画税", "軽自動車税", "自動車税", "市たばこ税", "事業所税",
     "入湯税", "国民健康保険税", "所得税", "相続税", "県民税"),
    ("特別徴収", "普通徴収"),
    ("住民票", "戸籍証明書", "戸籍附票", "印鑑登録証明書", "身分証明書", "住民票記載事項証明書", "納税証明",
     "評価証明", "課税証明", "個人番号カード", "通知カード", "独身証明", "不在籍証明", "不在住証明"),
    ("転入", "転出", "転居", "出生", "死亡", "婚姻", "離婚", "養子縁組", "認知", "分籍", "転籍", "入籍", "世帯変更"),
    ("身体障害者手帳", "療育手帳", "精神障害者保健福祉手帳", "母子健康手帳"),
    ("子ども医療費", "ひとり親家庭医療費", "重度障害者医療費", "高額療養費", "療養費", "高額介護サービス費",
     "高額医療・高額介護合算療養費", "出産育児一時金", "葬祭費", "住宅改修費", "福祉用具購入費", "補装具費",
     "日常生活用具"),
    ("生活扶助", "住宅扶助", "医療扶助", "介護扶助", "教育扶助", "出産扶助", "生業扶助", "葬祭扶助"),
    ("生活保護", "生活困窮者"),
    ("道路占用", "道路使用", "河川占用", "公園占用", "公園使用", "道路工事施行承認", "法定外公共物"),
    ("一般廃棄物", "産業廃棄物"),
    ("ごみ処理", "し尿処理"),
    ("水道料金", "下水道使用料"),
    ("開栓", "閉栓"),
    ("資格取得", "資格喪失"),
    ("個人情報", "情報公開"),
    ("期日前投票", "不在者投票"),
    ("会計年度任用職員", "臨時的任用職員", "再任用職員", "任期付職員"),
    ("認可保育所", "認可外保育施設", "幼稚園", "認定こども園"),
    ("放課後児童クラブ", "放課後子ども教室"),
    ("要介護認定", "障害支援区分"),
    ("特定健診", "がん検診", "乳幼児健診", "特定保健指導", "妊婦健診"),
    ("教職員", "職員"),
    ("概算払", "前渡"),
    ("試掘", "発掘"),
    ("時間外勤務", "時間外勤務手当"),
    ("給与支払報告書", "公的年金等支払報告書", "源泉徴収票"),
)
_FAMILY_OF: dict[str, list[int]] = defaultdict(list)
for _i, _family in enumerate(_FAMILIES):
    for _term in _family:
        _FAMILY_OF[_term].append(_i)
_FAMILY_RE = re.compile("|".join(re.escape(t) for t in sorted(_FAMILY_OF, key=len, reverse=True)))


@lru_cache(maxsize=262_144)
def _canonical(name: str) -> str:
    """``normalize_name`` with the removed 「の」 between words kept as ``_MARK`` (where a modifier ends)."""
    s = unicodedata.normalize("NFKC", name or "")
    s = _SPACE.sub("", s)
    s = _NOISE_PAREN.sub("", s)
    s = _TRAILING_NO.sub("", s)
    while True:
        stripped = _NOISE_PAREN.sub("", _ORG_QUALIFIER.sub("", s))
        if stripped == s or not stripped:
            break
        s = stripped
    s = _QUOTES.sub("", s)
    s = _BRACKETS.sub("・", s)
    s = _SEPARATORS.sub("・", s)
    s = _COPY.sub("", s)
    s = _OKURIGANA_INNER.sub("", s)
    s = _OKURIGANA_TAIL.sub(r"\1", s)
    s = _CONNECTIVES.sub("の", s)
    s = _POSTPOSITIONS.sub("の", s)
    s = _PARTICLE.sub("の", s)
    s = _ETC.sub("", s)
    for pattern, replacement in _SYNONYMS:
        s = pattern.sub(replacement, s)
    s = s.strip("・の")
    while True:
        stripped = _LEADING_FILLER.sub("", _TRAILING_FILLER.sub("", s)).strip("・の")
        if stripped == s or not stripped:
            break
        s = stripped
    s = _NO.sub(_MARK, s)
    s = _DOTS.sub("・", s).strip("・" + _MARK)
    return s


def normalize_name(name: str) -> str:
    """The canonical form of a 業務名 (or 作業名): equal strings mean the same work as far as the rules know."""
    return _canonical(name).replace(_MARK, "")


# --- features -----------------------------------------------------------------------------------------------

class _Features:
    __slots__ = ("acts", "grams", "inner", "object_grams", "primary", "terms", "text", "weight")

    def __init__(self, text: str, grams: dict[str, float], primary: frozenset[str], inner: frozenset[str],
                 terms: dict[int, frozenset[str]], object_grams: frozenset[str]):
        self.text = text
        self.object_grams = object_grams  # bigrams of what is acted on (not of the trailing actions)
        self.grams = grams
        self.weight = sum(grams.values())
        self.primary = primary  # the trailing actions (受付・交付 → both)
        self.inner = inner  # actions before them, part of what is acted on (事業者への指導の更新 → 指導)
        self.acts = primary | inner
        self.terms = terms


def _is_kana(ch: str) -> bool:
    return "\u3041" <= ch <= "\u309f"


@lru_cache(maxsize=262_144)
def _features(marked: str) -> _Features:
    """Features of a canonical name (``_canonical``): weighted bigrams, trailing actions and family terms."""
    text = marked.replace(_MARK, "")
    stops = "・の" + _MARK
    char_w = [(_W_KANA if _is_kana(c) else 1.0) for c in marked]
    span = [0] * len(marked)  # 0: object; k > 0: the k-th action word from the end
    is_primary = [False] * len(marked)
    acts: list[str] = []
    primary: set[str] = set()
    listed = True  # still in the trailing list of actions (joined by ・)
    end = len(marked)
    while end > 0:
        dotted = False
        while end > 0 and marked[end - 1] in stops:
            dotted = dotted or marked[end - 1] == "・"
            end -= 1
        for word in _ACTION_WORDS:
            if marked.endswith(word, 0, end) and end - len(word) > 0 and marked[: end - len(word)].strip(stops):
                listed = listed and (not acts or dotted)
                w = (_W_LAST_ACTION if listed else _W_INNER_ACTION) / len(word)  # an action weighs as one word
                if listed:
                    primary.add(_ACTIONS[word])
                acts.append(_ACTIONS[word])
                for i in range(end - len(word), end):
                    char_w[i] = min(char_w[i], w)
                    span[i] = len(acts)
                    is_primary[i] = listed
                end -= len(word)
                break
        else:
            break
    # What comes before the last 「の」 of the object qualifies it (職員の出張の|旅費, 雪梅鳥協定の|相談): lighter.
    head_start = marked.rfind(_MARK, 0, end)
    for i in range(max(head_start, 0)):
        if not is_primary[i]:
            char_w[i] *= _W_MODIFIER
    grams: dict[str, float] = {}
    object_grams: set[str] = set()
    for m in _SEGMENT.finditer(marked):
        start, segment = m.start(), m.group()
        n = len(segment)
        if n == 1:
            grams[segment] = max(grams.get(segment, 0.0), char_w[start])
            if not is_primary[start]:
                object_grams.add(segment)
        for i in range(n - 1):
            j = start + i
            if span[j] != span[j + 1]:  # no bigram across the object and an action: 届出|相談 ≠ 貸出|相談
                continue
            g = segment[i:i + 2]
            w = min(char_w[j], char_w[j + 1])
            if w > grams.get(g, 0.0):
                grams[g] = w
            if not is_primary[j]:
                object_grams.add(g)
    terms: dict[int, set[str]] = defaultdict(set)
    for m in _FAMILY_RE.finditer(text):
        for family in _FAMILY_OF[m.group()]:
            terms[family].add(m.group())
    return _Features(text, grams, frozenset(primary), frozenset(acts) - primary,
                     {k: frozenset(v) for k, v in terms.items()}, frozenset(object_grams))


def _actions_factor(a: _Features, b: _Features) -> float:
    """Compare what the two names do: their trailing actions; one's action being what the other acts on
    (統計調査 / 統計調査の実施) counts as a name without action."""
    if (a.primary and a.primary <= b.inner) or (b.primary and b.primary <= a.inner):
        return _EMPTY_ACTION
    factor = _action_factor(a.primary, b.primary)
    if a.inner and b.inner:  # 事業者への指導の審査 / 事業者指定の審査: what is acted on differs
        factor *= _action_factor(a.inner, b.inner)
    return factor


def _action_factor(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    if not a or not b:
        return _EMPTY_ACTION
    if len(a) == len(b):  # symmetric
        o = max(_action_overlap(a, b), _action_overlap(b, a))
    else:
        o = _action_overlap(a, b) if len(a) < len(b) else _action_overlap(b, a)
    return _ACTION_FLOOR + (1 - _ACTION_FLOOR) * o


def _action_overlap(small: frozenset[str], large: frozenset[str]) -> float:
    """How well the actions of ``small`` are found in ``large``: 1 the same, _RELATED_SCORE related, _GENERIC_SCORE
    generic against any, 0.15 unrelated; averaged over ``small``."""
    total = 0.0
    for x in small:
        best = 0.15
        for y in large:
            if x == y:
                best = 1.0
                break
            if y in _RELATED.get(x, ()):
                best = max(best, _RELATED_SCORE)
            elif x in _GENERIC_ACTIONS or y in _GENERIC_ACTIONS:
                best = max(best, _GENERIC_SCORE)
        total += best
    return total / len(small)


def _family_factor(a: _Features, b: _Features) -> float:
    for family, terms in a.terms.items():
        other = b.terms.get(family)
        if other and not (terms & other):
            return _FAMILY_CONFLICT
    return 1.0


def _shared(a: _Features, b: _Features) -> float:
    if len(a.grams) > len(b.grams):
        a, b = b, a
    bg = b.grams
    s = 0.0
    for g, w in a.grams.items():
        v = bg.get(g)
        if v is not None:
            s += w if w < v else v
    return s


def _name_similarity(a: _Features, b: _Features) -> float:
    if a.text == b.text:
        return 1.0 if a.text else 0.0
    s = _shared(a, b)
    if s <= 0.0:
        return 0.0
    if a.object_grams and b.object_grams and a.object_grams.isdisjoint(b.object_grams):
        return 0.0  # the same action on different things: 届出の集計・報告 ≠ 許可申請の集計・報告
    containment = s / min(a.weight, b.weight)
    dice = 2 * s / (a.weight + b.weight)
    obj = containment ** _ALPHA * dice ** (1 - _ALPHA)
    return min(1.0, obj * _actions_factor(a, b) * _family_factor(a, b))


_STEP_SPLIT = re.compile(r"\s*\|\s*|\s+|[、，,;；/／→>＞]")


def split_text(text: str) -> tuple[str, tuple[str, ...]]:
    """``"業務名 | 手順1 | 手順2"`` (or steps separated by spaces) → (業務名, (手順1, 手順2))."""
    name, sep, rest = (text or "").partition(STEP_SEPARATOR)
    if not sep:
        name, sep, rest = name.partition("|")
    steps = tuple(s for s in _STEP_SPLIT.split(rest) if s) if sep else ()
    return name.strip(), steps


@lru_cache(maxsize=65_536)
def _step_grams(steps: tuple[str, ...]) -> frozenset[str]:
    grams: set[str] = set()
    for step in steps:
        s = normalize_name(step)
        for segment in s.split("・"):
            if len(segment) == 1:
                grams.add(segment)
            grams.update(segment[i:i + 2] for i in range(len(segment) - 1))
    return frozenset(grams)


def _step_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if a is b or a == b:
        return 1.0 if a else 0.0
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def _combine(name_sim: float, step_sim: float | None) -> float:
    """Steps only confirm or weaken the name: identical steps keep it, unrelated steps take ``STEP_WEIGHT`` off."""
    if step_sim is None:
        return name_sim
    return name_sim * ((1 - STEP_WEIGHT) + STEP_WEIGHT * step_sim)


def similarity(a: str, b: str) -> float:
    """How much two 業務 are the same kind of work, in [0, 1]; ``DEFAULT_THRESHOLD`` and above means yes.

    Each text is a 業務名, optionally followed by ``" | "`` and its step names (separated by ``" | "`` or spaces);
    the steps count for ``STEP_WEIGHT`` when both sides have them.
    """
    name_a, steps_a = split_text(a)
    name_b, steps_b = split_text(b)
    ns = _name_similarity(_features(_canonical(name_a)), _features(_canonical(name_b)))
    step_sim = None
    if steps_a and steps_b:
        step_sim = _step_similarity(_step_grams(steps_a), _step_grams(steps_b))
    return max(0.0, min(1.0, _combine(ns, step_sim)))


# --- grouping -----------------------------------------------------------------------------------------------

class _UnionFind:
    __slots__ = ("parent",)

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if ra < rb:
                self.parent[rb] = ra
            else:
                self.parent[ra] = rb


def _candidates(feats: Sequence[_Features], threshold: float) -> Iterator[tuple[int, list[int]]]:
    """For each name x, the names y (heavier, or as heavy and later) that may reach ``threshold`` with it.

    Prefix filtering, exact: a name score is at most the containment, shared weight / the lighter name's
    weight W. So a pair at the threshold shares at least ``threshold * W`` of the lighter name x, and x's rarest
    bigrams, taken until what is left weighs less than that (the prefix), hold more than ``threshold * W - left``
    of it: with bigram weights at most 1, at least that many of them (rounded up). Each name counts, in C
    (a Counter over the index's posting lists cut to heavier names), how many prefix bigrams every heavier name
    shares; only those that share enough come out.

    Only for pathological inputs (a whole city written with a few hundred bigrams), when the posting lists to
    read would exceed ``_PROBE_BUDGET``, the most frequent bigrams are left out of the lookups (stop-grams): then
    a pair whose only shared prefix bigrams are such stop-grams can be missed.
    """
    order = sorted(range(len(feats)), key=lambda i: (feats[i].weight, i))
    postings: dict[str, list[int]] = defaultdict(list)  # bigram → ranks (ascending)
    for r, i in enumerate(order):
        for g in feats[i].grams:
            postings[g].append(r)
    df = {g: len(p) for g, p in postings.items()}
    prefixes: list[list[str]] = []
    lefts: list[float] = []
    for i in order:
        f = feats[i]
        need = threshold * f.weight
        left = f.weight
        prefix = []
        for g in sorted(f.grams, key=lambda g: (df[g], g)):
            if left < need:
                break
            left -= f.grams[g]
            prefix.append(g)
        prefixes.append(prefix)
        lefts.append(left)
    # About half of each posting list is cut off (only heavier names count), hence the 2.
    cap = len(feats) + 1
    volume = Counter(df[g] for prefix in prefixes for g in prefix)
    total = sum(d * k for d, k in volume.items()) / 2
    for d in sorted(volume, reverse=True):
        if total <= _PROBE_BUDGET:
            break
        total -= d * volume[d] / 2
        cap = d
    for r, x in enumerate(order):
        f = feats[x]
        lists = []
        for g in prefixes[r]:
            if df[g] >= cap:
                continue
            p = postings[g]
            start = bisect_right(p, r)
            if start < len(p):
                lists.append(p[start:] if start else p)
        if not lists:
            continue
        at_least = max(1, ceil(threshold * f.weight - lefts[r] - 1e-9))
        if len(lists) == 1:
            if at_least <= 1:
                yield x, [order[y] for y in lists[0]]
            continue
        counts = Counter(chain.from_iterable(lists))
        if at_least <= 1:
            yield x, [order[y] for y in counts]
        else:
            yield x, [order[y] for y, c in counts.items() if c >= at_least]


def group_similar(items: Sequence[tuple[Hashable, str]], *, threshold: float = GROUP_THRESHOLD) -> list[list[Hashable]]:
    """Clusters (size ≥ 2) of the ids whose texts are similar at ``threshold`` or more (single link).

    ``items`` are ``(id, text)`` with text as in ``similarity``. Clusters come largest first (ties: the one whose
    first member comes first), each with its ids in input order. Deterministic.
    """
    items = list(items)
    if not items:
        return []
    # Nodes: distinct canonical names. Each item: (node, step key or None).
    node_of_name: dict[str, int] = {}
    names: list[str] = []
    step_index: dict[tuple[str, ...], int] = {}
    step_grams: list[frozenset[str]] = []
    item_node: list[int] = []
    node_steps: list[set[int]] = []
    node_stepless: list[bool] = []
    parsed: dict[str, tuple[int, int | None]] = {}
    for _, text in items:
        hit = parsed.get(text)
        if hit is None:
            raw_name, steps = split_text(text)
            name = _canonical(raw_name)
            node = node_of_name.get(name)
            if node is None:
                node = node_of_name[name] = len(names)
                names.append(name)
                node_steps.append(set())
                node_stepless.append(False)
            sk = None
            if steps:
                sk = step_index.get(steps)
                if sk is None:
                    grams = _step_grams(steps)
                    sk = step_index[steps] = len(step_grams)
                    step_grams.append(grams)
            hit = parsed[text] = (node, sk)
        node, sk = hit
        item_node.append(node)
        if sk is None:
            node_stepless[node] = True
        else:
            node_steps[node].add(sk)

    feats = [_features(n) for n in names]
    # Step keys with equal gram sets are the same: dedupe them so the comparisons below stay few.
    canon_steps: dict[frozenset[str], int] = {}
    step_canon = [canon_steps.setdefault(g, len(canon_steps)) for g in step_grams]
    canon_grams = list(canon_steps)
    node_step_sets = [frozenset(step_canon[s] for s in ss) for ss in node_steps]
    any_steps = any(node_step_sets)
    step_cache: dict[tuple[int, int], float] = {}

    def best_step(sa: frozenset[int], sb: frozenset[int]) -> float:
        if sa & sb:
            return 1.0
        best = 0.0
        for x in sa:
            for y in sb:
                key = (x, y) if x < y else (y, x)
                v = step_cache.get(key)
                if v is None:
                    v = step_cache[key] = _step_similarity(canon_grams[x], canon_grams[y])
                if v > best:
                    best = v
                    if best >= 1.0:
                        return best
        return best

    def linked(x: int, y: int, ns: float) -> bool:
        """Whether some item of node x and some item of node y are similar at the threshold (given ns >= it)."""
        sa, sb = node_step_sets[x], node_step_sets[y]
        if node_stepless[x] or node_stepless[y] or _combine(ns, 0.0) >= threshold:
            return True
        return _combine(ns, best_step(sa, sb)) >= threshold

    # Items of one canonical name are one node: they are similar whenever threshold <= 1 - STEP_WEIGHT (steps
    # only take up to STEP_WEIGHT off). Above that, steps can split one name: items are compared one by one.
    if threshold > _combine(1.0, 0.0) and any_steps:
        return _group_items_strict(items, item_node, parsed, feats, step_canon, canon_grams, threshold)
    # Single link, except through umbrellas: a name with no specific action (「届出の事務」「届出の管理」, 「旅費」)
    # matches every specific 業務 on its object and would chain 届出の審査 to 届出の支払. Umbrellas link to each
    # other as usual, and an umbrella group joins a specific group only when that is the only one it matches.
    uf = _UnionFind(len(names))
    find = uf.find
    keys = [frozenset(f.grams) for f in feats]
    generic = [f.primary <= _GENERIC_ACTIONS for f in feats]
    has_inner = [bool(f.inner) for f in feats]
    bridged: dict[int, set[int]] = {}  # umbrella node → groups (roots when found) of the specific names it matches
    for x, ys in _candidates(feats, threshold):
        fx, kx, gx, ix = feats[x], keys[x], generic[x], has_inner[x]
        need = threshold * fx.weight  # x is the lighter: the shared weight (≤ shared bigrams) must reach this
        rx = find(x)
        for y in ys:
            if gx != generic[y]:
                umbrella = 1 if gx else -1
            elif not gx and (ix or has_inner[y]):
                fy = feats[y]
                umbrella = 1 if _umbrella_of(fx, fy) else -1 if _umbrella_of(fy, fx) else 0
            else:
                umbrella = 0
            if not umbrella:
                if find(y) == rx:
                    continue
            else:
                u, v = (x, y) if umbrella > 0 else (y, x)
                seen = bridged.get(u)
                if seen is not None and find(v) in seen:  # u already reaches v's group: nothing new
                    continue
            if len(kx & keys[y]) < need:
                continue
            ns = _name_similarity(fx, feats[y])
            if ns >= threshold and linked(x, y, ns):
                if umbrella:
                    bridged.setdefault(u, set()).add(find(v))
                else:
                    uf.union(x, y)
                    rx = find(x)
    targets: dict[int, set[int]] = defaultdict(set)
    for u, roots in bridged.items():
        targets[find(u)].update(find(v) for v in roots)
    for root, specific in targets.items():
        if len(specific) == 1:
            uf.union(root, next(iter(specific)))

    members: dict[int, list[int]] = defaultdict(list)
    for i, node in enumerate(item_node):
        if names[node]:  # an empty name (「（その2）」 alone) is like nothing
            members[uf.find(node)].append(i)
    return _clusters(items, members.values())


def _umbrella_of(a: _Features, b: _Features) -> bool:
    """Whether ``a`` names the whole of some work and ``b`` one specific part of it.

    「届出の事務」「届出の管理」 (no action or a generic one) against 「届出の審査」; 「事業者への指導」 against
    「事業者への指導の更新」 (a's action is only what b acts on).
    """
    if a.primary <= _GENERIC_ACTIONS:
        return not b.primary <= _GENERIC_ACTIONS
    return a.primary <= b.inner and not b.primary <= a.acts


def _clusters(items: Sequence[tuple[Hashable, str]], members: Iterable[list[int]]) -> list[list[Hashable]]:
    clusters = [m for m in members if len(m) >= 2]
    clusters.sort(key=lambda m: (-len(m), m[0]))
    return [[items[i][0] for i in m] for m in clusters]


def _group_items_strict(items, item_node, parsed, feats, step_canon, canon_grams, threshold):
    """Thresholds above 1 - STEP_WEIGHT: nodes are (name, steps); compared pairwise within candidate names."""
    keys: dict[tuple[int, int | None], int] = {}
    item_key: list[int] = []
    key_list: list[tuple[int, int | None]] = []
    for (_, text), node in zip(items, item_node, strict=True):
        sk = parsed[text][1]
        k = (node, None if sk is None else step_canon[sk])
        idx = keys.get(k)
        if idx is None:
            idx = keys[k] = len(key_list)
            key_list.append(k)
        item_key.append(idx)
    by_node: dict[int, list[int]] = defaultdict(list)
    for idx, (node, _) in enumerate(key_list):
        by_node[node].append(idx)
    uf = _UnionFind(len(key_list))

    def sim(i: int, j: int, ns: float) -> float:
        si, sj = key_list[i][1], key_list[j][1]
        if si is None or sj is None:
            return ns
        return _combine(ns, _step_similarity(canon_grams[si], canon_grams[sj]))

    pairs = chain(((x, x) for x in range(len(feats)) if feats[x].text),
                  ((x, y) for x, ys in _candidates(feats, threshold) for y in ys))
    for x, y in pairs:
        ns = 1.0 if x == y else _name_similarity(feats[x], feats[y])
        if ns < threshold:
            continue
        for i in by_node[x]:
            for j in by_node[y]:
                if i != j and uf.find(i) != uf.find(j) and sim(i, j, ns) >= threshold:
                    uf.union(i, j)
    members: dict[int, list[int]] = defaultdict(list)
    for i, k in enumerate(item_key):
        if feats[key_list[k][0]].text:
            members[uf.find(k)].append(i)
    return _clusters(items, members.values())


# --- taxonomy -----------------------------------------------------------------------------------------------

class TaxonomyMatcher:
    """Maps a 業務名 onto a taxonomy (大分類/中分類 …) from example names or keywords per label.

    ``predict`` returns the best label and its score in [0, 1], or ``(None, score)`` under ``threshold``.
    A label scores the best of its examples; an example scores the higher of ``similarity`` on the names and,
    when the example's canonical form is contained in the name's, 0.6 plus up to 0.4 for how much of the name it
    covers (so 「固定資産税」 beats 「税」 for 「固定資産税の賦課」). Ties go to the label given first.
    """

    def __init__(self, examples: Mapping[str, Sequence[str]], *, threshold: float = TAXONOMY_THRESHOLD):
        self.threshold = threshold
        self._labels: list[str] = []
        self._examples: list[tuple[int, str, _Features]] = []
        for label, names in examples.items():
            index = len(self._labels)
            self._labels.append(label)
            for example in names:
                marked = _canonical(example)
                if marked:
                    self._examples.append((index, marked.replace(_MARK, ""), _features(marked)))
        self._by_gram: dict[str, list[int]] = defaultdict(list)
        for k, (_, text, f) in enumerate(self._examples):
            for g in f.grams or {text: 1.0}:
                self._by_gram[g].append(k)

    def scores(self, name: str) -> dict[str, float]:
        """Every label's score for ``name`` (labels with no shared bigram score 0 and are left out)."""
        marked = _canonical(split_text(name)[0])
        if not marked:
            return {}
        text = marked.replace(_MARK, "")
        f = _features(marked)
        candidates: set[int] = set()
        for g in f.grams:
            candidates.update(self._by_gram.get(g, ()))
        for k, (_, example, _) in enumerate(self._examples):  # single-character keywords have no bigram
            if len(example) == 1 and example in text:
                candidates.add(k)
        best: dict[str, float] = {}
        for k in sorted(candidates):
            index, example, ef = self._examples[k]
            score = _name_similarity(f, ef)
            if example in text and _family_factor(f, ef) == 1.0:
                score = max(score, 0.6 + 0.4 * min(1.0, len(example) / len(text)))
            label = self._labels[index]
            if score > best.get(label, 0.0):
                best[label] = score
        return best

    def predict(self, name: str) -> tuple[str | None, float]:
        scores = self.scores(name)
        if not scores:
            return None, 0.0
        label = max(self._labels, key=lambda lb: (scores.get(lb, 0.0), -self._labels.index(lb)))
        score = round(scores.get(label, 0.0), 6)
        return (label if score >= self.threshold else None), score
