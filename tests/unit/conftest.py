"""Helpers for the pure unit tests: standard-format rows built by hand (no database)."""

from __future__ import annotations

import pytest

from civicdx.survey.standard import COLUMNS

HEADER = [c.header for c in COLUMNS]
KEYS = [c.key for c in COLUMNS]

ORG = dict(bureau="総務局", department="総務部", division="人事課", section="人事係")
ORG2 = dict(bureau="総務局", department="総務部", division="人事課", section="給与係")


def std_row(**values) -> list:
    """A standard-format row from keyword arguments named by the canonical keys; unknown keys are an error."""
    unknown = set(values) - set(KEYS)
    assert not unknown, unknown
    return [values.get(k) for k in KEYS]


def task_row(org: dict | None = None, **values) -> list:
    """The first row of a 業務: organisation, required task columns and whatever else is given."""
    base = dict(ORG if org is None else org)
    base.update(task_name="職員採用試験の実施", core="コア", routine="定型", expertise="無")
    base.update(values)
    return std_row(**base)


@pytest.fixture
def header():
    return list(HEADER)
