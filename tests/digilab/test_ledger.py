"""The one definition of 削減時間 (civicdx.digilab.ledger): pure arithmetic on hand-made numbers, no database."""

from __future__ import annotations

import datetime as dt

import pytest

from civicdx.digilab import ledger


def test_gross_net_centre_and_after_centre():
    # 200 forms × 3 min = 600 min = 10 h before; 90 min checking left; 45 min of the centre's set-up.
    h = ledger.entry_hours(units=200, baseline_minutes=3, residual_minutes=90, centre_minutes=45)
    assert h.gross == pytest.approx(10.0)
    assert h.residual == pytest.approx(1.5)
    assert h.net == pytest.approx(8.5)
    assert h.centre == pytest.approx(0.75)
    assert h.after_centre == pytest.approx(7.75)


def test_defaults_leave_net_equal_to_gross():
    h = ledger.entry_hours(units=2160, baseline_minutes=4)  # 36 h of recordings → 144 h of typing
    assert (h.gross, h.net, h.centre, h.residual) == (pytest.approx(144.0), pytest.approx(144.0), 0.0, 0.0)
    assert h.after_centre == pytest.approx(144.0)


def test_net_is_negative_when_checking_takes_longer_than_the_work_did():
    h = ledger.entry_hours(units=100, baseline_minutes=3, residual_minutes=400)
    assert h.gross == pytest.approx(5.0)
    assert h.net == pytest.approx(-5 / 3)
    assert round(h.net, 2) == -1.67
    assert h.after_centre < 0


def test_zero_units_is_zero_hours():
    h = ledger.entry_hours(units=0, baseline_minutes=3)
    assert h.gross == 0 and h.net == 0


@pytest.mark.parametrize("field, label", [("units", "単位数"), ("baseline_minutes", "導入前の時間"),
                                          ("residual_minutes", "確認・修正の時間"),
                                          ("centre_minutes", "センターの作業時間")])
def test_negative_inputs_are_refused_in_japanese(field, label):
    values = dict(units=10, baseline_minutes=3, residual_minutes=0, centre_minutes=0)
    values[field] = -1
    with pytest.raises(ValueError) as exc:
        ledger.entry_hours(**values)
    assert label in str(exc.value) and "0以上" in str(exc.value)


def test_missing_baseline_is_refused():
    with pytest.raises(ValueError, match="導入前の時間"):
        ledger.entry_hours(units=10, baseline_minutes=None)


def test_annualise_a_pilot():
    assert ledger.annualise(1200, 90) == pytest.approx(4866.666, abs=0.001)
    assert round(ledger.annualise(1200, 90), 1) == 4866.7
    assert ledger.annualise(100, 365) == pytest.approx(100.0)
    with pytest.raises(ValueError, match="日数は1以上"):
        ledger.annualise(1200, 0)


def test_person_years():
    assert ledger.person_years(1950) == pytest.approx(1.0)
    assert ledger.person_years(15515) == pytest.approx(7.956, abs=0.001)
    assert ledger.person_years(1800, hours_per_person_year=1800) == pytest.approx(1.0)


@pytest.mark.parametrize("day, year", [(dt.date(2022, 3, 31), 2021), (dt.date(2022, 4, 1), 2022),
                                       (dt.date(2022, 1, 1), 2021), (dt.date(2021, 12, 31), 2021),
                                       (dt.date(2026, 11, 26), 2026)])
def test_fiscal_year_of(day, year):
    assert ledger.fiscal_year_of(day) == year


def test_fiscal_months_start_in_april():
    assert ledger.FISCAL_MONTHS[0] == 4 and ledger.FISCAL_MONTHS[-1] == 3 and sorted(ledger.FISCAL_MONTHS) == list(range(1, 13))
