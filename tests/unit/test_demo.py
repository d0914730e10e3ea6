"""civicdx.survey.demo: the deterministic synthetic city (small scale only: the full one is too slow here)."""

from __future__ import annotations

import pytest

from civicdx.survey.demo import SCALES, TARGET_NONCORE_ROUTINE_SHARE, generate
from civicdx.survey.standard import CATEGORIES_MAJOR, MEDIA, STEP_KINDS, WORKER_TYPES


@pytest.fixture(scope="module")
def city():
    return generate("small", 2021)


def snapshot(c):
    return [(t.org, t.code, t.name, t.is_core, t.is_routine, t.needs_expertise, t.busy_months,
             [(s.no, s.name, s.kind, s.minutes_per_case, s.cases_per_year, s.medium, s.worker_type) for s in t.steps])
            for t in c.tasks]


def test_same_seed_is_deterministic(city):
    again = generate("small", 2021)
    assert snapshot(again) == snapshot(city)
    assert again.headcounts == city.headcounts
    assert (again.scale, again.seed) == ("small", 2021)


def test_other_seed_differs(city):
    other = generate("small", 7)
    assert snapshot(other) != snapshot(city)
    assert sum(t.hours for t in other.tasks) == pytest.approx(SCALES["small"].hours, rel=1e-3)


def test_counts_match_scale(city):
    spec = SCALES["small"]
    assert len(city.tasks) == spec.tasks
    assert len({t.org for t in city.tasks}) == spec.sections
    assert len({t.org[:3] for t in city.tasks}) == spec.divisions
    assert len({t.org[0] for t in city.tasks}) == spec.bureaus
    assert any(t.org[0].endswith("区役所") for t in city.tasks)  # one 区役所 is kept in a small city


def test_task_codes_are_unique_and_orgs_complete(city):
    assert len({(t.org, t.code) for t in city.tasks}) == len(city.tasks)
    assert len({t.code for t in city.tasks}) == len(city.tasks)
    for t in city.tasks:
        bureau, _department, division, section = t.org
        assert bureau and division and section
        assert t.name


def test_task_names_rarely_repeat_within_a_section(city):
    # The demo plants a few duplicates (about 0.3 %) for the data-quality check to find; no more than that.
    seen = set()
    repeats = 0
    for t in city.tasks:
        repeats += (t.org, t.name) in seen
        seen.add((t.org, t.name))
    assert repeats <= 0.01 * len(city.tasks)


def test_total_hours_within_a_tenth_of_a_percent(city):
    total = sum(t.hours for t in city.tasks)
    assert abs(total - SCALES["small"].hours) <= 0.001 * SCALES["small"].hours


def test_noncore_routine_no_expertise_share(city):
    total = sum(t.hours for t in city.tasks)
    target = sum(t.hours for t in city.tasks
                 if t.is_core is False and t.is_routine is True and t.needs_expertise is False)
    share = target / total
    assert TARGET_NONCORE_ROUTINE_SHARE == 0.319
    assert abs(share - 0.319) <= 0.005
    assert 0 < target < total


def test_every_task_has_three_to_six_valid_steps(city):
    for t in city.tasks:
        assert 3 <= len(t.steps) <= 6, t.code
        assert [s.no for s in t.steps] == list(range(1, len(t.steps) + 1))
        for s in t.steps:
            assert s.kind in STEP_KINDS
            assert s.medium in MEDIA
            assert s.worker_type in WORKER_TYPES
            assert s.minutes_per_case >= 1 and s.cases_per_year >= 1
            assert s.hours == s.minutes_per_case * s.cases_per_year / 60


def test_task_attributes_are_valid(city):
    for t in city.tasks:
        assert t.category_major in CATEGORIES_MAJOR
        assert isinstance(t.is_core, bool) and isinstance(t.is_routine, bool) and isinstance(t.needs_expertise, bool)
        if t.busy_months:
            months = [int(m) for m in t.busy_months.split(",")]
            assert all(1 <= m <= 12 for m in months)
            assert months == sorted(months, key=lambda m: (m - 4) % 12)  # fiscal-year order


def test_every_section_has_a_headcount(city):
    assert set(city.headcounts) == {t.org for t in city.tasks}
    assert all(h >= 1.0 and (h * 2).is_integer() for h in city.headcounts.values())


def test_unknown_scale():
    with pytest.raises(KeyError):
        generate("medium", 1)
