"""A synthetic city of the report's size, generated deterministically from a seed. Pure: no Django.

The full scale matches the FY2021 survey of the report: 354 課, 1,474 係, 58,966 業務 with about five
作業手順 each, 13,210,261 hours (6,774 人役 at 1,950 h), and ノンコア × 定型 × 専門性無 ≈ 31.9 % of hours.
Names are realistic but invented; everything generated here is marked as synthetic in the UI.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from civicdx.survey.importing.parser import ParsedStep, ParsedTask


@dataclass(frozen=True)
class Scale:
    divisions: int
    sections: int
    tasks: int
    hours: float
    bureaus: int | None = None  # None: all


SCALES = {
    "full": Scale(divisions=354, sections=1474, tasks=58966, hours=13_210_261),
    "small": Scale(divisions=8, sections=20, tasks=400, hours=round(13_210_261 * 400 / 58966), bureaus=4),
}
TARGET_NONCORE_ROUTINE_SHARE = 0.319

# 局 → (大分類 weights, 中分類 list, 課 names, 部 names or None)
COMMON_DIVISIONS = ["総務課", "企画課", "経理課"]
BUREAUS: list[tuple[str, list[str], list[str], list[str], list[str] | None]] = [
    ("政策局", ["総務・企画"], ["政策調整", "広報広聴", "統計", "国際交流"], ["政策調整課", "広報課", "広聴課", "統計課", "国際政策課", "地方創生推進課"], None),
    ("総務局", ["総務・企画"], ["人事管理", "給与", "文書・法務", "情報システム", "庁舎管理"], ["人事課", "給与課", "職員課", "法制課", "文書館", "情報政策課", "庁舎管理課", "行政改革推進課", "人材育成課"], ["人事部", "総務部"]),
    ("財政局", ["総務・企画", "税務"], ["予算", "契約", "市民税", "資産税", "徴収"], ["財政課", "契約課", "税制課", "市民税課", "資産税課", "納税課", "債権管理課", "収納課", "資金課"], ["財政部", "税務部"]),
    ("市民文化スポーツ局", ["民生", "教育"], ["戸籍・住民記録", "文化振興", "スポーツ振興", "男女共同参画", "市民活動"], ["市民課", "区政課", "文化振興課", "スポーツ振興課", "男女共同参画推進課", "市民活動推進課", "安全・安心推進課", "消費生活センター"], ["市民部", "文化部"]),
    ("保健福祉局", ["民生", "衛生"], ["地域福祉", "障害福祉", "介護保険", "国民健康保険", "生活保護", "保健衛生", "感染症対策"], ["地域福祉課", "障害福祉課", "障害者支援課", "介護保険課", "長寿社会対策課", "保険年金課", "保護課", "保健医療課", "健康推進課", "感染症医療政策課", "生活衛生課", "動物愛護センター"], ["地域福祉部", "保健衛生部", "障害福祉部"]),
    ("子ども家庭局", ["民生", "教育"], ["児童手当", "保育", "子育て支援", "児童相談", "母子保健"], ["子育て支援課", "保育課", "子ども家庭支援課", "青少年課", "子ども総合センター", "幼稚園・保育所課"], ["子ども家庭部"]),
    ("環境局", ["衛生"], ["廃棄物処理", "環境保全", "温暖化対策"], ["環境政策課", "循環社会推進課", "業務課", "施設課", "環境監視課", "グリーン成長推進課", "環境保全課"], ["環境政策部", "循環社会推進部"]),
    ("産業経済局", ["商工", "労働", "農林水産"], ["中小企業支援", "企業誘致", "雇用対策", "農林水産振興", "観光"], ["産業政策課", "中小企業振興課", "企業立地支援課", "雇用政策課", "農林課", "水産課", "観光課", "MICE推進課"], ["産業政策部", "農林水産部", "観光にぎわい部"]),
    ("建築都市局", ["土木"], ["都市計画", "建築指導", "住宅", "開発指導"], ["都市計画課", "建築審査課", "建築指導課", "住宅計画課", "住宅管理課", "開発指導課", "まちづくり推進課"], ["計画部", "建築部", "住宅部"]),
    ("建設局", ["土木"], ["道路管理", "河川", "公園", "用地"], ["道路計画課", "道路維持課", "道路管理課", "河川整備課", "公園管理課", "用地課", "工務課", "技術監理課"], ["道路部", "河川部", "公園緑地部"]),
    ("港湾空港局", ["土木", "商工"], ["港湾管理", "空港振興", "物流"], ["港営課", "港湾計画課", "空港企画課", "物流振興課", "施設管理課"], ["港湾部"]),
    ("消防局", ["消防"], ["予防", "警防", "救急", "通信指令"], ["総務課", "予防課", "警防課", "救急課", "指令課", "消防団課"], None),
    ("上下水道局", ["公営企業等"], ["水道料金", "給水", "下水道", "施設維持"], ["経営企画課", "営業課", "料金課", "給水課", "下水道計画課", "下水道施設課", "浄水課", "水質試験所"], ["総務経営部", "水道部", "下水道部"]),
    ("教育委員会", ["教育"], ["学校教育", "就学・学事", "生涯学習", "文化財", "学校施設"], ["教育政策課", "教職員課", "学事課", "学校支援課", "生涯学習課", "文化財課", "学校施設課", "特別支援教育課", "指導第一課", "指導第二課", "中央図書館"], ["総務部", "教育部", "学校支援部"]),
    ("会計室", ["総務・企画"], ["会計", "出納"], ["会計課", "審査課"], None),
    ("行政委員会事務局", ["総務・企画"], ["選挙", "監査", "人事委員会"], ["選挙課", "監査課", "任用調査課", "農業委員会事務局"], None),
    ("市議会事務局", ["議会"], ["議会運営", "議事", "政務調査"], ["総務課", "議事課", "政策調査課"], None),
]
WARD_DIVISIONS = ["総務企画課", "市民課", "保険年金課", "保護課", "子ども・家庭相談コーナー", "高齢者・障害者相談課", "まちづくり整備課", "税務課"]
WARD_MINOR = ["戸籍・住民記録", "国民健康保険", "生活保護", "児童手当", "介護保険", "市民税", "区政"]
WARDS = ["門司区役所", "若松区役所", "戸畑区役所", "小倉北区役所", "小倉南区役所", "八幡東区役所", "八幡西区役所"]

SECTION_NAMES = ["庶務係", "企画係", "管理係", "調整係", "審査係", "業務係", "第一係", "第二係", "指導係", "給付係", "相談係", "認定係", "計画係", "事業係", "施設係", "調査係"]
DIVISION_SECTIONS = {
    "市民課": ["住民記録係", "戸籍係", "証明係", "庶務係"], "保険年金課": ["国保係", "年金係", "賦課係", "給付係"],
    "保護課": ["保護第一係", "保護第二係", "保護第三係", "庶務係", "医療係"], "税務課": ["市民税係", "資産税係", "納税係"],
    "人事課": ["人事係", "任用係", "人事企画係"], "給与課": ["給与係", "福利厚生係", "共済係"],
}

# 業務 vocabulary by 中分類: objects people handle; actions make the 業務名.
OBJECTS = {
    "戸籍・住民記録": ["住民票の写し", "戸籍謄抄本", "印鑑登録証明書", "転入届", "転出届", "マイナンバーカード", "住民異動届", "戸籍届書"],
    "国民健康保険": ["国民健康保険の資格", "国保税の減免", "高額療養費", "出産育児一時金", "保険証", "特定健診"],
    "生活保護": ["保護の開始申請", "保護費", "医療扶助", "就労支援", "訪問調査", "返還金"],
    "児童手当": ["児童手当", "児童扶養手当", "子ども医療費", "現況届", "特別児童扶養手当"],
    "介護保険": ["要介護認定", "介護保険料", "住宅改修費", "高額介護サービス費", "事業者指定"],
    "市民税": ["個人市民税", "給与支払報告書", "法人市民税", "税証明", "申告書"],
    "資産税": ["固定資産税", "家屋評価", "償却資産申告", "土地評価", "名寄帳"],
    "徴収": ["滞納整理", "口座振替", "督促状", "納税相談", "差押"],
    "人事管理": ["人事異動", "職員採用試験", "会計年度任用職員の任用", "人事評価", "研修"],
    "給与": ["給与支給", "扶養手当の認定", "通勤手当の認定", "年末調整", "期末勤勉手当"],
    "道路管理": ["道路占用許可", "道路境界確定", "道路損傷の補修", "道路台帳", "街路灯の管理"],
    "保育": ["保育所入所申込", "保育料", "一時預かり", "認可外保育施設の指導"],
    "廃棄物処理": ["粗大ごみ収集", "一般廃棄物処理業許可", "不法投棄の対応", "ごみ処理手数料"],
    "学校教育": ["就学援助", "教職員の服務", "学校給食", "学籍管理", "教科書の採択"],
}
GENERIC_OBJECTS = ["補助金", "委託契約", "許可申請", "届出", "台帳", "統計調査", "苦情・要望", "施設の貸出", "説明会", "計画の進行管理", "事業者への指導", "証明書", "相談", "広報物"]
ACTIONS = ["の受付・交付", "の審査", "の事務", "の管理", "に関する相談対応", "の支払", "の決定・通知", "の調査", "の集計・報告", "の更新"]
COMMON_TASKS = [  # every 課 does these (庶務): the ③集約化 candidates of the analysis
    ("旅費の精算", "庶務"), ("物品の購入", "庶務"), ("時間外勤務の管理", "庶務"), ("支出負担行為・支出命令", "会計"),
    ("文書の収受・発送", "文書"), ("庁内照会への回答", "照会・回答"), ("議会答弁の作成", "議会対応"), ("予算要求資料の作成", "予算"),
    ("決算資料の作成", "予算"), ("課内会議の運営", "会議"), ("職員の服務・勤怠管理", "庶務"), ("公用車の管理", "庶務"),
]
LAWS = ["地方自治法", "住民基本台帳法", "戸籍法", "地方税法", "国民健康保険法", "生活保護法", "児童手当法", "介護保険法",
        "道路法", "建築基準法", "廃棄物の処理及び清掃に関する法律", "学校教育法", "市条例", "市規則", "要綱", ""]
SYSTEMS = ["住民記録システム", "税務システム", "財務会計システム", "庶務事務システム", "文書管理システム", "福祉総合システム", "Excel", "Word", "メール", ""]

# Step templates: (作業名 pattern, 作業種類, median minutes)
FLOWS = {
    "application": [("申請書の受付", "受付", 8), ("記載内容の審査", "審査・確認", 12), ("システムへの入力", "入力・転記", 6),
                    ("入力内容の照合", "照合・点検", 4), ("決定の起案・決裁", "起案・決裁", 10), ("通知書の発送", "通知・発送", 3)],
    "payment": [("請求書の受付", "受付", 5), ("支払額の計算", "計算", 10), ("財務会計システムへの入力", "入力・転記", 8),
                ("支出命令の決裁", "起案・決裁", 6), ("書類の保管", "保管・整理", 2)],
    "counter": [("窓口での相談対応", "相談・窓口対応", 20), ("必要書類の確認", "審査・確認", 6), ("記録票の作成", "入力・転記", 7),
                ("関係課への照会", "照会・回答", 15),
                ("相談記録の保管", "保管・整理", 3)],
    "planning": [("資料の収集・分析", "その他", 240), ("関係課との打合せ", "会議・打合せ", 90), ("案の作成", "起案・決裁", 480),
                 ("集計・報告書の作成", "集計・報告", 300),
                 ("決定の起案・決裁", "起案・決裁", 60)],
    "inspection": [("現地調査", "現地調査", 120), ("調査結果の記録", "入力・転記", 30), ("指導文書の起案", "起案・決裁", 60),
                   ("結果の集計", "集計・報告", 20),
                   ("報告書の決裁", "起案・決裁", 15)],
    "inquiry": [("照会文書の収受", "受付", 5), ("回答案の作成", "照会・回答", 45), ("回答の決裁", "起案・決裁", 10),
                ("回答の送付", "通知・発送", 5),
                ("回答控えの整理", "保管・整理", 3)],
}


def _split(total: int, parts: int, rng: random.Random, spread: float = 0.45) -> list[int]:
    """Split ``total`` into ``parts`` positive integers around the mean (deterministic for the rng)."""
    weights = [max(0.2, rng.gauss(1.0, spread)) for _ in range(parts)]
    scale = total / sum(weights)
    counts = [max(1, int(w * scale)) for w in weights]
    diff = total - sum(counts)
    i = 0
    while diff != 0:
        j = i % parts
        if diff > 0:
            counts[j] += 1
            diff -= 1
        elif counts[j] > 1:
            counts[j] -= 1
            diff += 1
        i += 1
    return counts


@dataclass
class DemoCity:
    tasks: list[ParsedTask]
    headcounts: dict[tuple, float]
    scale: str
    seed: int


def generate(scale: str = "small", seed: int = 2021) -> DemoCity:
    spec = SCALES[scale]
    rng = random.Random(seed)
    bureaus = [(b[0], b[1], b[2], b[3], b[4]) for b in BUREAUS]
    bureaus += [(w, ["民生", "総務・企画"], WARD_MINOR, WARD_DIVISIONS, None) for w in WARDS]
    if spec.bureaus:
        bureaus = bureaus[: spec.bureaus - 1] + [bureaus[-3]]  # keep one 区役所 in small cities too
    division_counts = _split(spec.divisions, len(bureaus), rng, 0.3)

    divisions: list[tuple[str, str, str, list[str], list[str]]] = []  # (局, 部, 課, 大分類, 中分類)
    for (bureau, majors, minors, names, departments), count in zip(bureaus, division_counts, strict=True):
        pool = list(dict.fromkeys(COMMON_DIVISIONS[:1] + names + COMMON_DIVISIONS[1:]))
        used: set[str] = set()
        for i in range(count):
            base = pool[i % len(pool)]
            name = base if i < len(pool) else f"{base[:-1]}第{i // len(pool) + 1}課" if base.endswith("課") else f"{base}{i // len(pool) + 1}"
            while name in used:  # 企画課 → 企画第2課
                name = f"{base[:-1]}第{len([u for u in used if u.startswith(base[:-1])]) + 1}課"
            used.add(name)
            department = departments[(i * len(departments)) // count] if departments else ""
            divisions.append((bureau, department, name, majors, minors))

    section_counts = _split(spec.sections, len(divisions), rng, 0.35)
    sections: list[tuple[tuple[str, str, str, str], list[str], list[str]]] = []
    for (bureau, department, division, majors, minors), count in zip(divisions, section_counts, strict=True):
        names = DIVISION_SECTIONS.get(division, [])
        pool = names + [n for n in SECTION_NAMES if n not in names]
        for i in range(count):
            name = pool[i] if i < len(pool) else f"第{i + 1}係"
            sections.append(((bureau, department, division, name), majors, minors))

    task_counts = _split(spec.tasks, len(sections), rng, 0.4)
    tasks: list[ParsedTask] = []
    division_names: dict[tuple, set[str]] = {}
    serial = 0
    for (org, majors, minors), count in zip(sections, task_counts, strict=True):
        names_used: set[str] = set()
        common = rng.sample(COMMON_TASKS, k=min(len(COMMON_TASKS), max(2, count // 8)))
        for i in range(count):
            serial += 1
            if i < len(common):
                name, minor = common[i]
                major = "総務・企画"
                flow = "payment" if minor in ("会計", "庶務") else "inquiry" if minor in ("照会・回答", "議会対応") else "planning" if minor == "予算" else "application"
                is_core, is_routine, expertise = False, minor not in ("議会対応", "予算"), False
            else:
                minor = rng.choice(minors)
                major = rng.choice(majors)
                objects = OBJECTS.get(minor, GENERIC_OBJECTS)
                # Another 係 of the same 課 rarely reports the very same 業務名: draw again, then qualify it.
                for _attempt in range(6):
                    name = rng.choice(objects) + rng.choice(ACTIONS)
                    if name not in division_names.get(org[:3], ()):
                        break
                else:
                    name = f"{name}（{org[3].removesuffix('係')}）"
                roll = rng.random()
                flow = "application" if roll < 0.4 else "counter" if roll < 0.55 else "planning" if roll < 0.75 else "inspection" if roll < 0.85 else "inquiry" if roll < 0.93 else "payment"
                is_core = rng.random() < (0.75 if flow in ("planning", "inspection", "counter") else 0.45)
                is_routine = flow in ("application", "payment", "inquiry") and rng.random() < 0.8 or rng.random() < 0.15
                expertise = is_core and rng.random() < 0.7 or rng.random() < 0.1
            if names_used and rng.random() < 0.003:  # real surveys hold a few duplicates: the quality check finds them
                name = sorted(names_used)[0]
            else:
                while name in names_used:
                    name = name + "（その" + str(len([n for n in names_used if n.startswith(name)]) + 2) + "）"
            names_used.add(name)
            division_names.setdefault(org[:3], set()).add(name)
            months = "" if rng.random() < 0.55 else ",".join(str(m) for m in sorted(rng.sample([4, 5, 6, 3, 1, 2, 12], k=rng.randint(1, 3)), key=lambda m: (m - 4) % 12))
            if rng.random() < 0.02:  # some 係 leave 中分類 blank: the analysis proposes one
                minor = ""
            task = ParsedTask(org=org, code=f"T{serial:06d}", name=name, category_major=major, category_minor=minor,
                              legal_basis=rng.choice(LAWS) if is_core or rng.random() < 0.5 else "", is_core=is_core,
                              is_routine=is_routine, needs_expertise=expertise, busy_months=months, note="",
                              reported_hours=None, file="demo", sheet="", row=0)
            template = FLOWS[flow]
            n_steps = min(len(template), max(3, round(rng.gauss(5.3, 0.8))))
            cases_base = rng.lognormvariate(5.2 if flow in ("application", "payment", "counter") else 2.3, 1.0)
            paper = rng.random() < 0.55
            for no, (step_name, kind, median) in enumerate(template[:n_steps], start=1):
                minutes = max(1, round(median * rng.lognormvariate(0, 0.45)))
                cases = max(1, round(cases_base * (1 if kind != "会議・打合せ" else 0.2)))
                medium = "紙" if paper and kind in ("受付", "審査・確認", "保管・整理", "通知・発送") else "電子" if kind == "入力・転記" else rng.choice(["紙", "電子", "紙・電子"])
                task.steps.append(ParsedStep(
                    no=no, name=step_name, kind=kind, minutes_per_case=float(minutes), cases_per_year=float(cases),
                    reported_hours=None, medium=medium, has_seal=kind == "起案・決裁" and paper,
                    system=rng.choice(SYSTEMS) if kind in ("入力・転記", "照合・点検", "計算") else "",
                    worker_type="会計年度任用職員" if not is_core and rng.random() < 0.3 else "委託" if rng.random() < 0.03 else "正規職員",
                    note="", hours=minutes * cases / 60))
            tasks.append(task)

    _calibrate(tasks, spec.hours)
    headcounts: dict[tuple, float] = {}
    per_section: dict[tuple, float] = {}
    for task in tasks:
        per_section[task.org] = per_section.get(task.org, 0.0) + task.hours
    for org, hours in per_section.items():
        # About 3 % of 係 over- or under-report against their headcount, as self-reported surveys do.
        skew = rng.choice([0.45, 1.6]) if rng.random() < 0.03 else rng.uniform(0.9, 1.15)
        headcounts[org] = max(1.0, round(hours / 1950 * skew * 2) / 2)
    return DemoCity(tasks=tasks, headcounts=headcounts, scale=scale, seed=seed)


def _is_target(task: ParsedTask) -> bool:
    return task.is_core is False and task.is_routine is True and task.needs_expertise is False


def _calibrate(tasks: list[ParsedTask], total: float) -> None:
    """Scale case counts so the city totals ``total`` hours with 31.9 % in ノンコア × 定型 × 専門性無."""
    target_hours = total * TARGET_NONCORE_ROUTINE_SHARE
    for group, wanted in ((True, target_hours), (False, total - target_hours)):
        members = [t for t in tasks if _is_target(t) == group]
        for _ in range(4):  # rounding cases to integers: converge in a few passes
            current = sum(t.hours for t in members)
            factor = wanted / current
            for task in members:
                for step in task.steps:
                    step.cases_per_year = float(max(1, round(step.cases_per_year * factor)))
                    step.hours = step.minutes_per_case * step.cases_per_year / 60
        # Put the rounding residue on the group's largest step so the total lands within an hour or so.
        biggest = max((s for t in members for s in t.steps), key=lambda s: s.hours)
        residue = wanted - sum(t.hours for t in members)
        biggest.cases_per_year = float(max(1, round(biggest.cases_per_year + residue * 60 / biggest.minutes_per_case)))
        biggest.hours = biggest.minutes_per_case * biggest.cases_per_year / 60
