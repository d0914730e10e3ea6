"""Turn rows of the standard format (or a mapped layout) into validated 業務 with their 作業手順.

Every problem is collected, never raised one at a time: the user sees all of them at once, each with
file, sheet, row, column, the value and the reason in Japanese.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from civicdx.survey import normalize as N
from civicdx.survey.importing.profiles import MappingProfile, header_variants
from civicdx.survey.importing.reader import Sheet
from civicdx.survey.standard import (
    CATEGORIES_MAJOR,
    COLUMN_BY_KEY,
    MEDIA,
    MEDIUM_ALIASES,
    ORG_KEYS,
    STEP_KIND_ALIASES,
    STEP_KINDS,
    WORKER_ALIASES,
    WORKER_TYPES,
)

MAX_ERRORS = 5000
MAX_MINUTES_PER_CASE = 60 * 24 * 366  # a year of minutes
MAX_CASES = 100_000_000
MAX_HOURS = 1_000_000
HEADER_SEARCH_ROWS = 30
_ORG_KEY_SET = frozenset(ORG_KEYS)
_STEP_KEY_SET = frozenset(("step_no", "step_name", "step_kind", "minutes", "cases"))
_TASK_FIELD_KEYS_ORDERED = ("task_name", "category_major", "category_minor", "legal_basis", "core", "routine", "expertise",
                            "busy_months")
_TASK_FIELD_KEYS = frozenset(_TASK_FIELD_KEYS_ORDERED)

parse_step_kind = N.make_alias_parser(STEP_KIND_ALIASES, STEP_KINDS, "作業種類")
parse_medium = N.make_alias_parser(MEDIUM_ALIASES, MEDIA, "媒体")
parse_worker = N.make_alias_parser(WORKER_ALIASES, WORKER_TYPES, "担い手")
parse_category_major = N.make_alias_parser({}, CATEGORIES_MAJOR, "大分類")
# Parsers that return a float unchanged; and a memo of successful results per parser.
_NUMERIC_PARSERS = frozenset({N.parse_number, N.parse_minutes, N.parse_hours})
_MEMO: dict = defaultdict(dict)


@dataclass(slots=True)
class ParsedStep:
    no: int
    name: str
    kind: str
    minutes_per_case: float | None
    cases_per_year: float | None
    reported_hours: float | None
    medium: str
    has_seal: bool | None
    system: str
    worker_type: str
    note: str
    hours: float

    def __reduce__(self):  # plain tuples pickle ten times faster: parallel imports send 300,000 steps back
        return (ParsedStep, (self.no, self.name, self.kind, self.minutes_per_case, self.cases_per_year, self.reported_hours,
                             self.medium, self.has_seal, self.system, self.worker_type, self.note, self.hours))


@dataclass(slots=True)
class ParsedTask:
    org: tuple[str, str, str, str]  # 局, 部 ("" when none), 課, 係
    code: str
    name: str
    category_major: str
    category_minor: str
    legal_basis: str
    is_core: bool | None
    is_routine: bool | None
    needs_expertise: bool | None
    busy_months: str
    note: str
    reported_hours: float | None
    file: str
    sheet: str
    row: int
    steps: list[ParsedStep] = field(default_factory=list)
    has_error: bool = False

    def __reduce__(self):
        return (_rebuild_task, ((self.org, self.code, self.name, self.category_major, self.category_minor, self.legal_basis,
                                 self.is_core, self.is_routine, self.needs_expertise, self.busy_months, self.note,
                                 self.reported_hours, self.file, self.sheet, self.row), self.steps, self.has_error))

    @property
    def hours(self) -> float:
        if self.steps:
            return sum(s.hours for s in self.steps)
        return self.reported_hours or 0.0


def _rebuild_task(fields: tuple, steps: list, has_error: bool) -> ParsedTask:
    task = ParsedTask(*fields)
    task.steps = steps
    task.has_error = has_error
    return task


@dataclass
class ParseResult:
    tasks: list[ParsedTask] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    rows: int = 0
    truncated: bool = False

    def add_error(self, *, file: str, sheet: str, row: int | None, column: str, value, code: str, message: str,
                  task: ParsedTask | None = None) -> None:
        if task is not None:
            task.has_error = True
        if len(self.errors) >= MAX_ERRORS:
            self.truncated = True
            return
        self.errors.append({
            "file": file, "sheet": sheet, "row": row, "column": column,
            "value": "" if value is None else str(value)[:200], "code": code, "message": message,
        })


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def find_header(rows: list[list], lookup: dict[str, str]) -> tuple[int, dict[str, int]] | None:
    """The first row (of the first 30) that names both 業務ID and 業務名; returns its index and key→column."""
    for r, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        mapping: dict[str, int] = {}
        for c, cell in enumerate(row):
            if cell is None or cell == "":
                continue
            for variant in header_variants(cell):
                key = lookup.get(variant)
                if key is not None and key not in mapping:
                    mapping[key] = c
                    break
        if "task_code" in mapping and "task_name" in mapping:
            return r, mapping
    return None


def _carry_org(cells: dict, org_carry: list[str]) -> None:
    """Blank org cells carry over from the row above; a new 局 does not carry the old 部."""
    for i, key in enumerate(ORG_KEYS):
        value = cells.get(key)
        if value is not None:
            text = N.text_or_empty(value)
            if i == 0 and text != org_carry[0]:
                org_carry[1] = ""
            org_carry[i] = text


class _SheetParser:
    def __init__(self, sheet: Sheet, header_row: int, mapping: dict[str, int], profile: MappingProfile,
                 result: ParseResult):
        self.sheet = sheet
        self.header_row = header_row
        self.mapping = mapping
        self.values = profile.values
        self.result = result

    def error(self, row: int, key: str, value, code: str, message: str, task: ParsedTask | None = None) -> None:
        col = self.mapping.get(key)
        label = COLUMN_BY_KEY[key].header if key in COLUMN_BY_KEY else key
        column = f"{label}（{column_letter(col)}列）" if col is not None and self.sheet.name else label
        self.result.add_error(file=self.sheet.file, sheet=self.sheet.name, row=row, column=column, value=value,
                              code=code, message=message, task=task)

    def parse(self) -> None:
        # Column index → canonical key (None for columns we do not read); the hot loop of a city import.
        width = max(self.mapping.values()) + 1
        keys_by_col: list[str | None] = [None] * width
        for key, idx in self.mapping.items():
            keys_by_col[idx] = key
        values = self.values
        org_carry = ["", "", "", ""]
        current: ParsedTask | None = None
        rows = self.sheet.rows
        for r in range(self.header_row + 1, len(rows)):
            cells = {k: v for k, v in zip(keys_by_col, rows[r]) if k is not None and v is not None and v != ""
                     and not (v.__class__ is str and v.isspace())}
            if not cells:
                continue
            if values:
                for key in cells.keys() & values.keys():
                    cells[key] = values[key].get(N.text_or_empty(cells[key]), cells[key])
            if cells.keys() <= _ORG_KEY_SET:  # a template row with only the organisation filled in
                _carry_org(cells, org_carry)
                continue
            self.result.rows += 1
            current = self.parse_row(r + 1, cells, org_carry, current)

    def parse_row(self, row_no: int, cells: dict, org_carry: list[str], current: ParsedTask | None) -> ParsedTask | None:
        if not cells.keys().isdisjoint(_ORG_KEY_SET):
            _carry_org(cells, org_carry)
        org_t = (org_carry[0], org_carry[1], org_carry[2], org_carry[3])
        code_raw = cells.get("task_code")
        code = N.text_or_empty(code_raw) if code_raw is not None else (current.code if current else "")
        if not code:
            self.error(row_no, "task_code", None, "required", "業務IDが空欄です。", None)
            return current
        if len(code) > 40:
            self.error(row_no, "task_code", code, "too_long", "業務IDは40文字以内で入力してください。")
            return current
        new_task = current is None or code != current.code or org_t != current.org
        if new_task:
            current = self.start_task(row_no, code, org_t, cells)
        else:
            self.check_task_repeat(row_no, cells, current)
        self.parse_step(row_no, cells, current)
        return current

    def start_task(self, row_no: int, code: str, org: tuple, cells: dict) -> ParsedTask:
        task = ParsedTask(org=org, code=code, name="", category_major="", category_minor="", legal_basis="",
                          is_core=None, is_routine=None, needs_expertise=None, busy_months="", note="",
                          reported_hours=None, file=self.sheet.file, sheet=self.sheet.name, row=row_no)
        for i, key in ((0, "bureau"), (2, "division"), (3, "section")):
            if not org[i]:
                self.error(row_no, key, None, "required", f"{COLUMN_BY_KEY[key].header}が空欄です。", task)
        self.result.tasks.append(task)
        self.fill_task(row_no, cells, task)
        for req, label in (("task_name", "業務名"), ("core", "コア区分"), ("routine", "定型区分"), ("expertise", "専門性")):
            if cells.get(req) is None:
                self.error(row_no, req, None, "required", f"{label}が空欄です（業務の最初の行には必ず入力してください）。", task)
        return task

    def fill_task(self, row_no: int, cells: dict, task: ParsedTask) -> None:
        if "task_name" in cells:
            task.name = N.text_or_empty(cells["task_name"])
            if len(task.name) > 200:
                self.error(row_no, "task_name", task.name[:50], "too_long", "業務名は200文字以内で入力してください。", task)
        if "category_major" in cells:
            task.category_major = self.convert(row_no, "category_major", cells, parse_category_major, task) or ""
        if "category_minor" in cells:
            task.category_minor = N.text_or_empty(cells["category_minor"])[:80]
        if "legal_basis" in cells:
            task.legal_basis = N.text_or_empty(cells["legal_basis"])[:300]
        if "core" in cells:
            task.is_core = self.convert(row_no, "core", cells, N.parse_core, task)
        if "routine" in cells:
            task.is_routine = self.convert(row_no, "routine", cells, N.parse_routine, task)
        if "expertise" in cells:
            task.needs_expertise = self.convert(row_no, "expertise", cells, N.parse_expertise, task)
        if "busy_months" in cells:
            task.busy_months = self.convert(row_no, "busy_months", cells, N.parse_busy_months, task) or ""

    def check_task_repeat(self, row_no: int, cells: dict, task: ParsedTask) -> None:
        """Task columns on a later row must be blank or repeat the first row's value."""
        if _TASK_FIELD_KEYS.isdisjoint(cells.keys()):
            return
        keys = [k for k in _TASK_FIELD_KEYS_ORDERED if k in cells]
        probe = ParsedTask(org=task.org, code=task.code, name=task.name, category_major=task.category_major,
                           category_minor=task.category_minor, legal_basis=task.legal_basis, is_core=task.is_core,
                           is_routine=task.is_routine, needs_expertise=task.needs_expertise,
                           busy_months=task.busy_months, note="", reported_hours=None, file="", sheet="", row=row_no)
        self.fill_task(row_no, cells, probe)
        attr = {"task_name": "name", "core": "is_core", "routine": "is_routine", "expertise": "needs_expertise"}
        for key in keys:
            name = attr.get(key, key)
            if getattr(probe, name) != getattr(task, name):
                self.error(row_no, key, cells[key], "task_conflict",
                           f"同じ業務ID「{task.code}」の上の行と値が異なります（上の行: {getattr(task, name)}）。"
                           "業務の列は最初の行だけに書くか、同じ値にしてください。", task)

    def convert(self, row_no: int, key: str, cells: dict, parser, task: ParsedTask | None):
        """Parse one cell; successful results are memoised per parser (a city repeats the same strings)."""
        value = cells.get(key)
        if value.__class__ is float and parser in _NUMERIC_PARSERS:
            return value
        memo = _MEMO[parser] if value.__class__ is not bool else {}  # True == 1 must not share a memo slot
        try:
            return memo[value]
        except (KeyError, TypeError):
            pass
        try:
            result = parser(value)
        except ValueError as exc:
            self.error(row_no, key, value, "invalid_value", str(exc), task)
            return None
        if len(memo) < 100_000:
            memo[value] = result
        return result

    def text(self, cells: dict, key: str) -> str:
        value = cells.get(key)
        if value is None:
            return ""
        return self.convert(0, key, cells, N.text_or_empty, None)

    def parse_step(self, row_no: int, cells: dict, task: ParsedTask) -> None:
        has_step = not _STEP_KEY_SET.isdisjoint(cells.keys())
        hours = self.convert(row_no, "hours", cells, N.parse_hours, task) if "hours" in cells else None
        if hours is not None and not 0 <= hours <= MAX_HOURS:
            self.error(row_no, "hours", cells["hours"], "out_of_range", f"年間時間は0〜{MAX_HOURS:,}の範囲で入力してください。", task)
            hours = None
        if not has_step:
            if hours is not None:
                if task.steps:
                    self.error(row_no, "hours", cells["hours"], "hours_without_step",
                               "作業手順のある業務に、手順のない年間時間の行があります。作業名と作業種類を入力してください。", task)
                elif task.reported_hours is not None:
                    self.error(row_no, "hours", cells["hours"], "task_conflict", "業務単位の年間時間が2回入力されています。", task)
                else:
                    task.reported_hours = hours
            elif "note" in cells and not task.note:
                task.note = self.text(cells, "note")[:500]
            return
        if task.reported_hours is not None:
            self.error(row_no, "step_name", cells.get("step_name"), "hours_without_step",
                       "この業務には業務単位の年間時間が入力済みです。作業手順で入力する場合は年間時間を手順ごとに書いてください。", task)
        number = self.convert(row_no, "step_no", cells, N.parse_number, task) if "step_no" in cells else None
        if number is None:
            no = (task.steps[-1].no + 1) if task.steps else 1
        elif not float(number).is_integer() or number < 1:
            self.error(row_no, "step_no", cells["step_no"], "invalid_value", "手順Noは1以上の整数で入力してください。", task)
            no = len(task.steps) + 1
        else:
            no = int(number)
            if any(s.no == no for s in task.steps):
                self.error(row_no, "step_no", cells["step_no"], "duplicate_step", f"手順No {no} がこの業務で重複しています。", task)
        name = self.text(cells, "step_name")
        if not name:
            self.error(row_no, "step_name", None, "required", "作業名が空欄です。", task)
        elif len(name) > 200:
            self.error(row_no, "step_name", name[:50], "too_long", "作業名は200文字以内で入力してください。", task)
        kind = ""
        if "step_kind" not in cells:
            self.error(row_no, "step_kind", None, "required", f"作業種類が空欄です（{'、'.join(STEP_KINDS)}）。", task)
        else:
            kind = self.convert(row_no, "step_kind", cells, parse_step_kind, task) or ""
        minutes = self.convert(row_no, "minutes", cells, N.parse_minutes, task) if "minutes" in cells else None
        if minutes is not None and not 0 <= minutes <= MAX_MINUTES_PER_CASE:
            self.error(row_no, "minutes", cells["minutes"], "out_of_range", "1件当たり時間(分)が範囲外です（0〜525,600分）。", task)
            minutes = None
        cases = self.convert(row_no, "cases", cells, N.parse_number, task) if "cases" in cells else None
        if cases is not None and not 0 <= cases <= MAX_CASES:
            self.error(row_no, "cases", cells["cases"], "out_of_range", "年間件数が範囲外です（0〜1億件）。", task)
            cases = None
        step_hours = 0.0
        if minutes is not None and cases is not None:
            step_hours = minutes * cases / 60
            if hours is not None and abs(hours - step_hours) > max(0.05, 0.01 * step_hours):
                self.error(row_no, "hours", cells["hours"], "hours_mismatch",
                           f"年間時間 {hours:g} が 1件当たり時間×年間件数÷60 = {step_hours:,.1f} と一致しません。"
                           "どちらかを直すか、年間時間を空欄にしてください。", task)
        elif hours is not None:
            step_hours = hours
        elif "minutes" in cells and "cases" in cells:
            pass  # both present but invalid: already reported
        else:
            missing = "1件当たり時間(分)" if minutes is None and "minutes" not in cells else "年間件数"
            key = "minutes" if missing.startswith("1件") else "cases"
            self.error(row_no, key, None, "required", f"{missing}が空欄です（年間時間を直接入力することもできます）。", task)
        task.steps.append(ParsedStep(
            no=no, name=name[:200], kind=kind, minutes_per_case=minutes, cases_per_year=cases, reported_hours=hours,
            medium=self.convert(row_no, "medium", cells, parse_medium, task) or "" if "medium" in cells else "",
            has_seal=self.convert(row_no, "seal", cells, N.parse_flag, task) if "seal" in cells else None,
            system=self.text(cells, "system")[:100],
            worker_type=self.convert(row_no, "worker", cells, parse_worker, task) or "" if "worker" in cells else "",
            note=self.text(cells, "note")[:500],
            hours=step_hours,
        ))


def parse_sheets(sheets: list[Sheet], profile: MappingProfile, result: ParseResult) -> None:
    """Parse every sheet of one file that has a header row; report a file without any.

    Duplicated 業務ID within the file are reported here; ``merge_results`` looks across files.
    """
    lookup = profile.header_lookup()
    first_task = len(result.tasks)
    found = False
    for sheet in sheets:
        header = find_header(sheet.rows, lookup)
        if header is None:
            continue
        found = True
        header_row, mapping = header
        missing = [COLUMN_BY_KEY[k].header for k in ("bureau", "division", "section", "core", "routine", "expertise")
                   if k not in mapping]
        if missing:
            result.add_error(file=sheet.file, sheet=sheet.name, row=header_row + 1, column="", value="",
                             code="missing_columns", message=f"必要な列がありません: {'、'.join(missing)}")
            continue
        _SheetParser(sheet, header_row, mapping, profile, result).parse()
    check_duplicates(result, result.tasks[first_task:])
    if not found:
        file = sheets[0].file if sheets else ""
        result.add_error(file=file, sheet="", row=None, column="", value="", code="no_header",
                         message="見出し行（業務ID・業務名 などの列名）が見つかりません。標準様式のテンプレートを使ってください。")


def check_duplicates(result: ParseResult, tasks: list[ParsedTask], *, across_files_only: bool = False) -> None:
    """A 業務ID may appear once per 係 (its rows written together); report every later occurrence.

    ``parse_sheets`` checks within its file; ``merge_results`` checks across files (``across_files_only``).
    """
    seen: dict[tuple, ParsedTask] = {}
    for task in tasks:
        key = (task.org, task.code)
        previous = seen.get(key)
        if previous is None:
            seen[key] = task
            continue
        if across_files_only and previous.file == task.file:
            continue
        where = previous.file + (f"「{previous.sheet}」" if previous.sheet else "") + f" {previous.row}行目"
        result.add_error(file=task.file, sheet=task.sheet, row=task.row, column="業務ID", value=task.code,
                         code="duplicate_task", task=task,
                         message=f"業務ID「{task.code}」は同じ係で既に使われています（{where}）。同じ業務の行は続けて書いてください。")


def read_and_parse(path, name: str, profile: MappingProfile) -> ParseResult:
    """Read one file and parse it: the unit of work of a (possibly parallel) import. Never raises for bad files."""
    from civicdx.core.errors import ApplicationError
    from civicdx.survey.importing.reader import read_sheets

    result = ParseResult()
    try:
        sheets = read_sheets(path, display_name=name)
    except ApplicationError as exc:
        result.errors.extend(exc.details or [{"file": name, "sheet": "", "row": None, "column": "", "value": "",
                                              "code": exc.code, "message": exc.message}])
        return result
    parse_sheets(sheets, profile, result)
    return result


def parse_files(files: list[tuple], profile: MappingProfile) -> list[ParseResult]:
    """A worker's share of a parallel import: (path, name) pairs in, one result per file out."""
    return [read_and_parse(path, name, profile) for path, name in files]


def merge_results(parts: list[ParseResult]) -> ParseResult:
    merged = ParseResult()
    for part in parts:
        merged.tasks.extend(part.tasks)
        merged.errors.extend(part.errors[: max(0, MAX_ERRORS - len(merged.errors))])
        merged.rows += part.rows
        merged.truncated = merged.truncated or part.truncated or len(merged.errors) >= MAX_ERRORS and bool(part.errors)
    check_duplicates(merged, merged.tasks, across_files_only=True)
    merged.errors.sort(key=lambda e: (e["file"], e["sheet"], e["row"] or 0))
    return merged
