"""単語登録, ケバ取り and the word-level rewriting that keeps timestamps: pure, no audio, no database."""

from __future__ import annotations

import pytest

from civicdx.minutes import fillers, vocab
from civicdx.minutes.transcript import clean_words, correct_words, rewrite


def words_of(*texts, step=0.5):
    return [{"raw": t, "text": t, "start": i * step, "end": (i + 1) * step, "p": 0.9} for i, t in enumerate(texts)]


def test_vocabulary_parse_accepts_space_tab_comments_and_kana_kinds():
    entries = vocab.parse("# 財政局の語\n歳出 さいしゅつ\n財政課\tザイセイカ\n\n北九州市　きたきゅうしゅうし\n歳出 さいしゅつ\n")
    assert [(e.notation, e.reading) for e in entries] == [
        ("歳出", "サイシュツ"), ("財政課", "ザイセイカ"), ("北九州市", "キタキュウシュウシ")]
    assert vocab.hotwords(entries) == "歳出、財政課、北九州市"


def test_vocabulary_parse_reports_every_bad_line_with_its_number():
    with pytest.raises(vocab.VocabularyError) as err:
        vocab.parse("歳出 さいしゅつ\n予算\n条例 jourei\n" + "長" * 41 + " ながい\n")
    lines = [line for line, _ in err.value.problems]
    assert lines == [2, 3, 4]
    assert "読み「jourei」" in err.value.problems[1][1]


@pytest.mark.parametrize(("heard", "fixed"), [
    ("財政家から説明します。", "財政課から説明します。"),
    ("最出予算の概要です。", "歳出予算の概要です。"),
    ("北九州氏の予算", "北九州市の予算"),
])
def test_correction_replaces_a_misheard_word_with_the_same_reading(heard, fixed):
    entries = vocab.parse("歳出 さいしゅつ\n財政課 ざいせいか\n北九州市 きたきゅうしゅうし")
    found = vocab.corrections(heard, entries)
    assert vocab.apply(heard, found) == fixed
    assert all(c.before != c.after for c in found)


def test_correction_leaves_correct_text_and_short_readings_alone():
    entries = vocab.parse("歳出 さいしゅつ\n課 か")
    assert vocab.corrections("歳出の説明をします。市民か確認します。", entries) == []


def test_correction_keeps_timestamps_with_the_words():
    words = words_of("財政", "家", "から", "説明")
    found = correct_words(words, vocab.parse("財政課 ざいせいか"))
    assert [c.before for c in found] == ["財政家"]
    assert [w["raw"] for w in words] == ["財政課", "", "から", "説明"]
    assert [w["start"] for w in words] == [0.0, 0.5, 1.0, 1.5]


@pytest.mark.parametrize(("said", "clean"), [
    ("えー、あのー、それでは会議を始めます。", "それでは会議を始めます。"),
    ("えーっと、この、資料の3ページです", "資料の3ページです。"),
    ("2020年度のワクワクする事業", "2020年度のワクワクする事業"),
    ("総務委員会、総務委員会、総務委員会、総務委員会", "総務委員会"),
    ("令和6年度一般会計補正予算についてご", "令和6年度一般会計補正予算についてご"),
    ("予算はまあ、その、増えます", "予算は増えます。"),
    ("その件は予算、予算の話です。", "その件は予算の話です。"),
    ("あの件について、あのー説明します", "あの件について、説明します。"),
    ("だんだん増えています", "だんだん増えています。"),
    ("ただいまから 委員会を 開会します", "ただいまから、委員会を、開会します。"),
    ("待ち 時間 の 短縮 は どのよう な 取組 です か", "待ち時間の短縮はどのような取組ですか。"),
])
def test_filler_removal(said, clean):
    words = words_of(*said)
    assert clean_words(words, fillers.DEFAULT_RULES) == clean
    assert "".join(w["raw"] for w in words) == said  # 素起こし is kept beside it


def test_filler_removal_is_per_token_and_keeps_times():
    words = words_of("えー", "、", "予算", "について")
    clean_words(words, fillers.DEFAULT_RULES)
    assert [(w["raw"], w["text"], w["start"]) for w in words] == [
        ("えー", "", 0.0), ("、", "", 0.5), ("予算", "予算", 1.0), ("について", "について", 1.5)]


def test_filler_list_is_configurable():
    rules = fillers.Rules.parse("# 自分たちの語\nなんて言うか\nはい、\n")
    assert rules.anywhere == ("なんて言うか",) and rules.standalone == ("はい",)
    assert clean_words(words_of(*"はい、なんて言うか予算です"), rules) == "予算です。"
    assert clean_words(words_of(*"えー、予算です"), rules) == "えー、予算です。"


def test_hint_phrase_is_japanese_text_within_budget():
    entries = vocab.parse("\n".join(f"用語{i:02d} ようご" for i in range(40)))
    hint = vocab.hotwords(entries)
    assert hint.startswith("用語00、用語01、") and len(hint) <= vocab.HOTWORD_CHARS
    assert hint.count("、") + 1 < 40


def test_rewrite_puts_replacements_on_the_first_word_of_a_span():
    words = words_of("あい", "うえ", "お")
    rewrite(words, "text", [(1, 4, "X")])
    assert [w["text"] for w in words] == ["あX", "", "お"]


def test_speakers_are_renumbered_by_first_speech_without_gaps():
    from civicdx.minutes.transcript import _renumber

    segments = [{"speaker": "S3"}, {"speaker": "S1"}, {"speaker": "S3"}]
    names = _renumber(segments, {"S1": "話者1", "S2": "話者2", "S3": "山田 委員長"})
    assert [s["speaker"] for s in segments] == ["S1", "S2", "S1"]
    assert names == {"S1": "山田 委員長", "S2": "話者2"}
