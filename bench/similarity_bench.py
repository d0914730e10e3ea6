"""Time ``civicdx.bpr.similarity.group_similar`` on a full synthetic city (58,966 業務 with their step names).

    .venv/bin/python bench/similarity_bench.py                 # the demo city as generated
    .venv/bin/python bench/similarity_bench.py --distinct      # also: (nearly) every name distinct, as in a real city
    .venv/bin/python bench/similarity_bench.py --homogeneous   # also: the worst case (few distinct bigrams)
    .venv/bin/python bench/similarity_bench.py --threshold 0.5 --seed 7

Prints seconds, peak RSS (resource.getrusage) and cluster statistics. Pure Python, no database.
The target: under 2 minutes on a 2-core machine and under 4 GB of memory.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from civicdx.bpr.similarity import GROUP_THRESHOLD, group_similar, normalize_name, split_text  # noqa: E402
from civicdx.survey.demo import generate  # noqa: E402

# Words that 係 put in front of a 業務名 (used by --homogeneous: few words, so few distinct bigrams).
MODIFIERS = [
    "門司区", "若松区", "戸畑区", "小倉北区", "小倉南区", "八幡東区", "八幡西区", "本庁", "出張所", "支所", "郵送",
    "電子申請", "窓口", "夜間", "休日", "臨時", "緊急", "高齢者", "障害者", "子育て世帯", "外国人", "事業所", "法人",
    "個人", "市外", "市内", "新規", "継続", "年度当初", "年度末", "繁忙期", "過年度", "現年度", "地区別", "学校別",
    "施設別", "団体", "自治会", "ボランティア", "委員", "非常勤", "会計年度任用職員", "管理職", "新規採用職員",
]
# Kanji for made-up proper words (programme, facility and district names: 「緑町地区」「青葉創生」).
KANJI = ("緑青葉桜松梅竹東西南北中央新本宮原川山田島浜港森林野丘台平和光明星月陽春夏秋冬朝日若松栄幸福寿富"
         "豊泉湖沢谷坂橋町村里郷城門寺社駅空海陸風雲雪花鳥鶴亀龍虎白黒赤金銀石岩砂水火木土")
SUFFIXES = ["地区", "事業", "制度", "計画", "施設", "センター", "会館", "公園", "団地", "線", "交付金", "基金", "協定", "推進事業"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def city_items(seed: int) -> list[tuple[str, str]]:
    city = generate("full", seed=seed)
    return [(t.code, t.name + " | " + " | ".join(s.name for s in t.steps)) for t in city.tasks]


def homogeneous(items: list[tuple[str, str]], seed: int) -> list[tuple[str, str]]:
    """Every name different but written with a few hundred bigrams: 1–2 of 45 modifiers in front (worst case)."""
    rng = random.Random(seed)
    names = [split_text(text)[0] for _, text in items]
    out = []
    used: set[str] = set()
    for code, text in items:
        name, _, steps = text.partition(" | ")
        while True:
            new = "".join(rng.sample(MODIFIERS, k=rng.randint(1, 2))) + "の" + name
            if rng.random() < 0.25:
                new = new + "・" + rng.choice(names).split("の")[0]
            if new not in used:
                break
        used.add(new)
        out.append((code, new + " | " + steps))
    return out


def distinct(items: list[tuple[str, str]], seed: int) -> list[tuple[str, str]]:
    """Every name different the way a real city's are: a made-up proper word (「緑町地区」「青葉創生事業」) in front
    of 70 % of them, a 係's qualifier on 10 %, the others only orthographic variants of the name."""
    rng = random.Random(seed)
    out = []
    used: set[str] = set()
    variants = [("の交付", "の発行"), ("の受付", "の受け付け"), ("の支払", "の支払い"), ("の管理", "の管理事務"),
                ("に関する", "に係る"), ("の", "")]
    for code, text in items:
        name, _, steps = text.partition(" | ")
        while True:
            new = name
            roll = rng.random()
            if roll < 0.7:
                word = "".join(rng.choice(KANJI) for _ in range(rng.randint(2, 3))) + rng.choice(SUFFIXES)
                new = word + "の" + new
            elif roll < 0.8:
                new = new + "（" + rng.choice(["第一", "第二", "庶務", "管理", "審査", "調整", "業務"]) + "係）"
            old, repl = rng.choice(variants)
            new = new.replace(old, repl, 1) if rng.random() < 0.5 else new
            if new not in used:
                break
            new = None
            if rng.random() < 0.5:
                break
        if new is None:
            new = "".join(rng.choice(KANJI) for _ in range(4)) + rng.choice(SUFFIXES) + "の" + name
        used.add(new)
        out.append((code, new + " | " + steps))
    return out


def run(label: str, items: list[tuple[str, str]], threshold: float) -> None:
    distinct = len({split_text(t)[0] for _, t in items})
    rss_before = peak_rss_mb()
    start = time.perf_counter()
    groups = group_similar(items, threshold=threshold)
    seconds = time.perf_counter() - start
    canonical = len({normalize_name(split_text(t)[0]) for _, t in items})
    sizes = [len(g) for g in groups]
    covered = sum(sizes)
    by_code = dict(items)
    print(f"\n== {label}: {len(items):,} 業務, {distinct:,} distinct names, {canonical:,} canonical names, threshold {threshold}")
    print(f"group_similar: {seconds:.2f} s; peak RSS {peak_rss_mb():.0f} MB (before the call {rss_before:.0f} MB)")
    if not groups:
        print("no clusters")
        return
    print(f"clusters: {len(groups):,}; 業務 in a cluster: {covered:,} ({covered / len(items):.1%}); "
          f"sizes: largest {max(sizes):,}, median {statistics.median(sizes):.0f}, singletons left {len(items) - covered:,}")
    print("largest clusters (size, distinct names, first names):")
    for g in groups[:8]:
        names = Counter(split_text(by_code[c])[0] for c in g)
        sample = "、".join(n for n, _ in names.most_common(4))
        print(f"  {len(g):6,}  {len(names):5,}  {sample}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--threshold", type=float, default=GROUP_THRESHOLD)
    parser.add_argument("--distinct", action="store_true",
                        help="also run with (nearly) every name made distinct, as in a real city")
    parser.add_argument("--homogeneous", action="store_true",
                        help="also run the worst case: every name distinct but written with few bigrams")
    args = parser.parse_args()

    start = time.perf_counter()
    items = city_items(args.seed)
    print(f"generated the full demo city in {time.perf_counter() - start:.1f} s ({len(items):,} 業務); "
          f"peak RSS {peak_rss_mb():.0f} MB")
    run("demo city", items, args.threshold)
    if args.distinct:
        run("names made distinct (proper words, qualifiers, variants)", distinct(items, args.seed), args.threshold)
    if args.homogeneous:
        run("worst case: distinct names from few bigrams", homogeneous(items, args.seed), args.threshold)


if __name__ == "__main__":
    main()
