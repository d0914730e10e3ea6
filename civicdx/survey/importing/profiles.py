"""Mapping profiles: which header means which column, for the standard format and for other layouts.

A profile is YAML the DX office can read and edit::

    name: vendor-x
    label: ベンダーX社 出力形式
    columns:               # canonical key → headers that mean it (first match wins)
      task_name: [事務名, 業務名称]
      minutes: [処理時間(分)]
    values:                # optional per-column value translations before normal parsing
      core: {C: コア, N: ノンコア}

Columns a profile does not name fall back to the standard headers.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from civicdx.core.errors import ApplicationError
from civicdx.survey.standard import COLUMN_BY_KEY, COLUMNS

BUNDLED_DIR = Path(__file__).parent / "profiles"


def header_key(text) -> str:
    """Normalise a header for matching: NFKC, no spaces, no trailing note in brackets like (コア/ノンコア)."""
    s = unicodedata.normalize("NFKC", str(text or "")).replace(" ", "").replace("\u3000", "").replace("\n", "")
    return s


def header_variants(text) -> list[str]:
    s = header_key(text)
    variants = [s]
    stripped = re.sub(r"\([^()]*\)$", "", s)
    if stripped != s and stripped:
        variants.append(stripped)
    return variants


@dataclass
class MappingProfile:
    name: str
    label: str
    columns: dict[str, list[str]] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def header_lookup(self) -> dict[str, str]:
        """header variant → canonical key; profile headers take precedence over standard ones."""
        lookup: dict[str, str] = {}
        for col in COLUMNS:
            for variant in header_variants(col.header):
                lookup.setdefault(variant, col.key)
        for key, headers in self.columns.items():
            for header in headers:
                for variant in header_variants(header):
                    lookup[variant] = key
        return lookup


STANDARD = MappingProfile(name="standard", label="標準様式")


def parse_profile(text: str, *, source: str = "") -> MappingProfile:
    """Parse and validate a profile's YAML; errors are Japanese and name the problem."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ApplicationError("profile_yaml", f"マッピング定義{source}のYAMLを読み取れません: {exc}") from exc
    if not isinstance(data, dict) or not data.get("name"):
        raise ApplicationError("profile_invalid", f"マッピング定義{source}には name が必要です。")
    columns = data.get("columns") or {}
    values = data.get("values") or {}
    if not isinstance(columns, dict) or not isinstance(values, dict):
        raise ApplicationError("profile_invalid", f"マッピング定義{source}の columns と values は辞書で書いてください。")
    for key in list(columns) + list(values):
        if key not in COLUMN_BY_KEY:
            raise ApplicationError(
                "profile_unknown_column",
                f"マッピング定義{source}の列「{key}」は標準様式にありません（使える名前: {', '.join(COLUMN_BY_KEY)}）。",
            )
    norm_columns = {k: [str(h) for h in (v if isinstance(v, list) else [v])] for k, v in columns.items()}
    norm_values = {k: {str(a): str(b) for a, b in (v or {}).items()} for k, v in values.items()}
    return MappingProfile(name=str(data["name"]), label=str(data.get("label", data["name"])), columns=norm_columns, values=norm_values)


def profile_dirs(extra: Path | None = None) -> list[Path]:
    dirs = [BUNDLED_DIR]
    if extra is not None:
        dirs.append(extra)
    return dirs


@functools.cache
def _load_file(path: Path, mtime: float) -> MappingProfile:
    return parse_profile(path.read_text(encoding="utf-8"), source=f"（{path.name}）")


def available_profiles(extra_dir: Path | None = None, stored: dict[str, str] | None = None) -> dict[str, MappingProfile]:
    """The standard format, the bundled profiles, and ``stored`` ones (name → YAML, edited in the browser)."""
    profiles = {"standard": STANDARD}
    for directory in profile_dirs(extra_dir):
        if directory.is_dir():
            for path in sorted(directory.glob("*.yaml")):
                profile = _load_file(path, path.stat().st_mtime)
                profiles[profile.name] = profile
    for text in (stored or {}).values():
        profile = parse_profile(text)
        profiles[profile.name] = profile
    return profiles


def get_profile(name: str | None, extra_dir: Path | None = None, stored: dict[str, str] | None = None) -> MappingProfile:
    if not name or name == "standard":
        return STANDARD
    profiles = available_profiles(extra_dir, stored)
    if name not in profiles:
        raise ApplicationError(
            "profile_not_found", f"マッピング定義「{name}」がありません（あるもの: {', '.join(profiles)}）。"
        )
    return profiles[name]
