"""The one definition of 削減時間 (hours saved). Pure module.

For one job or run of a service:
    gross hours    = units × baseline minutes per unit / 60        (what the work took before)
    net hours      = gross − residual human minutes / 60            (checking and correcting left to the department)
    centre hours   = centre effort minutes / 60                      (set-up, form definitions, bots, fixes)
    net − centre   = what the city gained after the centre's own work
Net can be negative: when checking takes longer than the work did, the service costs time (久慈市's AI-OCR+RPA went
from 1.6 h to 16.2 h). Figures from a pilot annualised to a year are *projected*; counted runs are *measured*.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

HOURS_PER_PERSON_YEAR = 1950.0  # the survey's default 人役; a survey may set its own


@dataclass(frozen=True)
class Hours:
    gross: float
    net: float
    centre: float
    residual: float

    @property
    def after_centre(self) -> float:
        return self.net - self.centre


def entry_hours(*, units: float, baseline_minutes: float, residual_minutes: float = 0.0,
                centre_minutes: float = 0.0) -> Hours:
    for name, value in (("単位数", units), ("導入前の時間", baseline_minutes), ("確認・修正の時間", residual_minutes),
                        ("センターの作業時間", centre_minutes)):
        if value is None or value < 0:
            raise ValueError(f"{name}は0以上の数で入力してください（{value}）。")
    gross = units * baseline_minutes / 60.0
    residual = residual_minutes / 60.0
    return Hours(gross=gross, net=gross - residual, centre=centre_minutes / 60.0, residual=residual)


def annualise(units: float, days_covered: int) -> float:
    """Units of a pilot scaled to a year (the result is a projection, never a measurement)."""
    if days_covered <= 0:
        raise ValueError("試行期間の日数は1以上にしてください。")
    return units * 365.0 / days_covered


def person_years(hours: float, hours_per_person_year: float = HOURS_PER_PERSON_YEAR) -> float:
    return hours / hours_per_person_year


def fiscal_year_of(day: dt.date) -> int:
    """April–March: 2022-03-31 belongs to FY2021 (令和3年度)."""
    return day.year if day.month >= 4 else day.year - 1


FISCAL_MONTHS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)
