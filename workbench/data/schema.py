"""The data contract as code: table specifications, Chinese aliases and vectorised checks.

Each table is a tuple of `Column`s. `conform(frame, table, file)` renames Chinese or English
headers to canonical names, trims spaces, maps Chinese code words to codes, parses dates and
numbers, and checks codes and ranges. It returns the canonical frame and the repairs made, or
raises `DataError` naming file, row, column, value, what was expected and what to do.

Row numbers are those a spreadsheet user sees: the header is row 1, the first data row is row 2.
Readers (`workbench.data.io`) give each frame an index holding that row number; `conform` keeps it.

Checks run on the distinct values of a column (`pd.factorize`), so 16 M visit rows cost a hash
pass, not a Python loop per row; a message is built only for the first offending row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.exceptions import DataError

TABLES = ("releases", "visits", "interventions", "events")
OPTIONAL_TABLES = ("events",)
DATE_RANGE = (pd.Timestamp("1990-01-01"), pd.Timestamp("2100-12-31"))
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# larger serials are past the date range (and past what pandas can hold, near 2262)
EXCEL_LAST_SERIAL = (DATE_RANGE[1] - EXCEL_EPOCH).days
DATE_FORMS = "YYYY-MM-DD, YYYY/M/D, YYYY.M.D or YYYY年M月D日"


@dataclass(frozen=True)
class Column:
    """One column of the contract.

    kind: id | text | date | code | int | float | flag. `codes` names a kind of
    `workbench.data.codes.KINDS` for code columns; `allowed` lists allowed numbers.
    """

    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    required: bool = True
    nullable: bool = False
    codes: str | None = None
    low: float | None = None
    high: float | None = None
    allowed: tuple[float, ...] = ()
    description: str = ""


def _c(name, kind, aliases=(), **kw) -> Column:
    return Column(name, kind, tuple(aliases), **kw)


RELEASES = (
    _c("release_id", "id", ["编号", "出所编号", "释放编号"], description="release episode id"),
    _c("person_id", "id", ["人员编号"], required=False, description="pseudonymous person id"),
    _c("release_date", "date", ["出所日期", "解除日期", "解戒日期"], description="day of release"),
    _c("prefecture", "code", ["市州", "所属市州"], codes="prefecture"),
    _c("facility", "code", ["戒毒所", "强戒所", "所属戒毒所"], codes="facility"),
    _c("sex", "code", ["性别"], codes="sex"),
    _c("birth_year", "int", ["出生年份", "出生年"], low=1900, high=2030),
    _c("primary_drug", "code", ["主要毒品", "滥用毒品种类"], codes="primary_drug"),
    _c("prior_treatments", "int", ["既往戒治次数", "戒毒次数"], low=0, high=50),
    _c("years_using", "float", ["吸毒年限"], low=0, high=80),
    _c("education", "code", ["文化程度", "受教育程度"], codes="education"),
    _c("employed_before", "flag", ["入所前就业", "戒前就业"]),
    _c("married", "flag", ["婚否", "已婚"]),
    _c("family_support", "flag", ["家庭支持"]),
    _c("motivation_score", "float", ["戒毒动机评分", "动机评分"], low=0, high=10),
)
VISITS = (
    _c("release_id", "id", ["编号", "出所编号", "释放编号"]),
    _c("visit_date", "date", ["回访日期"]),
    _c(
        "scheduled_month",
        "float",
        ["计划回访月份", "回访月份", "回访期次"],
        nullable=True,
        allowed=tuple(float(m) for m in codes.SCHEDULED_MONTHS),
        description="6, 12, ..., 36; empty = unscheduled contact",
    ),
    _c("result", "code", ["回访结果"], codes="result"),
)
INTERVENTIONS = (
    _c("release_id", "id", ["编号", "出所编号", "释放编号"]),
    _c("intervention", "code", ["帮扶措施", "帮扶类型"], codes="intervention"),
    _c("start_date", "date", ["开始日期"]),
    _c("end_date", "date", ["结束日期"], required=False, nullable=True),
    _c("amount", "float", ["金额", "帮扶金额"], required=False, nullable=True, low=0, high=1e6),
)
EVENTS = (
    _c("release_id", "id", ["编号", "出所编号", "释放编号"]),
    _c("event_date", "date", ["事件日期", "日期"]),
    _c("event", "code", ["事件", "事件类型"], codes="event"),
    _c("source", "text", ["来源", "信息来源"], required=False, nullable=True),
)
SPECS: Mapping[str, tuple[Column, ...]] = {
    "releases": RELEASES,
    "visits": VISITS,
    "interventions": INTERVENTIONS,
    "events": EVENTS,
}
# Sheet or file names (besides the English table name) that hold each table.
TABLE_ALIASES = {
    "releases": ("出所人员", "解除强制隔离戒毒人员"),
    "visits": ("回访记录", "回访"),
    "interventions": ("帮扶措施", "帮扶记录"),
    "events": ("事件", "事件记录"),
}

# Chinese (and English-label) words accepted for codes; repaired to the code and reported.
# The Chinese labels of workbench.data.codes and the English labels are accepted too.
CODE_ALIASES: Mapping[str, Mapping[str, str]] = {
    "result": {
        "阴性": "negative",
        "阳性": "positive",
        "未见面": "missed",
        "失联": "missed",
        "未回访": "missed",
        "死亡": "died",
        "迁出": "transferred",
        "转出": "transferred",
        "再次被查获吸毒": "detained",
        "再次强制隔离戒毒": "detained",
    },
    "sex": {
        "男": "male",
        "女": "female",
        "男性": "male",
        "女性": "female",
        "m": "male",
        "f": "female",
    },
    "prefecture": {
        **{lab["zh"].removesuffix("市"): code for code, lab in codes.PREFECTURES.items()},
        "湘西州": "xiangxi",
        "湘西自治州": "xiangxi",
    },
    "facility": {"新开铺强制隔离戒毒所": "xinkaipu", "女子强制隔离戒毒所": "women"},
    "primary_drug": {"冰毒": "methamphetamine", "甲基苯丙胺": "methamphetamine", "k粉": "ketamine"},
    "education": {
        "文盲": "none",
        "高中": "senior",
        "中专": "senior",
        "大专": "college",
        "本科": "college",
        "本科及以上": "college",
    },
    "intervention": {
        "311就业服务": "employment_311",
        "志愿者团队": "peer_education",
        "同伴教育/志愿者团队": "peer_education",
        "精准帮扶": "precise_support",
    },
    "event": {"复吸": "relapse", "死亡": "death", "迁出": "transfer"},
}
FLAG_WORDS = {
    "1": 1,
    "0": 0,
    "1.0": 1,
    "0.0": 0,
    "是": 1,
    "否": 0,
    "有": 1,
    "无": 0,
    "已婚": 1,
    "未婚": 0,
    "yes": 1,
    "no": 0,
    "y": 1,
    "n": 0,
    "true": 1,
    "false": 0,
}

# ASCII digits only (re.ASCII): full-width digits such as "２０１７" are not read as dates
_DATE_RE = re.compile(
    r"^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$",
    re.ASCII,
)
_AMBIGUOUS_RE = re.compile(r"^\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2,4}$", re.ASCII)
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$", re.ASCII)
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")
OUTSIDE = f"is outside {DATE_RANGE[0].year}-{DATE_RANGE[1].year}"


def code_lookup(kind: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every accepted spelling (lower-cased) of the codes of `kind`, mapped to the code."""
    table = codes.KINDS[kind]
    out: dict[str, str] = {}
    for code, lab in table.items():
        out[lab["en"].lower()] = code
        out[lab["zh"].lower()] = code
    out.update({k.lower(): v for k, v in CODE_ALIASES.get(kind, {}).items()})
    out.update({k.lower(): v for k, v in (extra or {}).items()})
    out.update({code.lower(): code for code in table})
    return out


def header_lookup(table: str) -> dict[str, str]:
    """Accepted headers (normalised by `normalise_header`) of `table`, mapped to canonical names."""
    out: dict[str, str] = {}
    for col in SPECS[table]:
        for name in (col.name, *col.aliases):
            out[normalise_header(name)] = col.name
    return out


def normalise_header(name: object) -> str:
    """Header as compared: trimmed, lower case, spaces and dashes as underscores."""
    text = str(name).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


# ---------------------------------------------------------------------------------------------
# messages


def show(value: object) -> str:
    """A cell value as shown in a one-line message."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "(empty)"
    text = str(value).replace("\r", " ").replace("\n", " ")
    return text if len(text) <= 40 else text[:37] + "..."


def row_error(
    file: str, rows: pd.Index, column: str, value: object, problem: str, expected: str, todo: str
) -> DataError:
    """A DataError for the first of `rows` (spreadsheet row numbers), counting the others."""
    first = int(rows[0])
    more = f" (and {len(rows) - 1:,} more rows)" if len(rows) > 1 else ""
    shown = "is empty" if problem == "empty" else f"{show(value)} {problem}"
    message = f"{file} row {first:,}{more}: {column} {shown} (expected {expected}); {todo}."
    return DataError(message, file=file, row=first, column=column, value=value)


# ---------------------------------------------------------------------------------------------
# headers


def rename_headers(frame: pd.DataFrame, table: str, file: str) -> tuple[pd.DataFrame, list[str]]:
    """Rename accepted headers to canonical names; check required columns are present."""
    lookup = header_lookup(table)
    mapping: dict[object, str] = {}
    renamed: list[str] = []
    for header in frame.columns:
        canonical = lookup.get(normalise_header(header))
        if canonical is None:
            continue
        if canonical in mapping.values():
            other = next(h for h, c in mapping.items() if c == canonical)
            raise DataError(
                f"{file}: columns {show(other)} and {show(header)} both mean {canonical}; "
                "keep one of them.",
                file=file,
                column=canonical,
            )
        mapping[header] = canonical
        if str(header) != canonical:
            renamed.append(f"{show(header)} → {canonical}")
    missing = [c.name for c in SPECS[table] if c.required and c.name not in mapping.values()]
    if missing:
        col = next(c for c in SPECS[table] if c.name == missing[0])
        also = f" (also missing: {', '.join(missing[1:])})" if len(missing) > 1 else ""
        zh = f" or {'/'.join(col.aliases)}" if col.aliases else ""
        raise DataError(
            f"{file}: column {missing[0]} is missing{also} (expected a header {missing[0]}{zh}); "
            "add the column or rename its header as in data/README.md.",
            file=file,
            column=missing[0],
        )
    repairs = [f"{file}: renamed headers {', '.join(renamed)}."] if renamed else []
    return frame.rename(columns=mapping), repairs


# ---------------------------------------------------------------------------------------------
# per-column conversion on distinct values


def _factor(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Row → distinct-value numbers (-1 = empty) and the distinct values (object array)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy(), np.asarray(series.cat.categories, dtype=object)
    ints, uniques = pd.factorize(series, use_na_sentinel=True)
    return ints, np.asarray(uniques, dtype=object)


def _expand(ints: np.ndarray, values: np.ndarray, index: pd.Index, fill: object) -> pd.Series:
    values = np.asarray(values)
    if values.dtype.kind == "M":
        out = np.full(len(ints), np.datetime64("NaT"), dtype="datetime64[ns]")
    else:
        out = np.full(len(ints), fill, dtype=object if values.dtype == object else float)
    ok = ints >= 0
    if len(values):
        out[ok] = values[ints[ok]]
    return pd.Series(out, index=index)


def _rows_with(ints: np.ndarray, bad: np.ndarray, index: pd.Index) -> pd.Index:
    """Spreadsheet rows whose distinct-value number is flagged in boolean `bad`."""
    flagged = np.flatnonzero(bad)
    return index[np.isin(ints, flagged)]


def _as_text(value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def trim(series: pd.Series, as_text: bool = True) -> tuple[pd.Series, int]:
    """Text with spaces trimmed (empty → NaN), and how many cells were changed.

    With `as_text` every value becomes text (ids, codes); otherwise numbers and dates (Excel
    cells) are kept as they are for the parser of their column. The result is a Categorical
    (distinct values once), so later checks and cross-table look-ups cost little."""
    ints, uniq = _factor(series)
    if len(uniq) and pd.api.types.infer_dtype(uniq, skipna=False) == "string":  # all text
        text = uniq
        stripped = np.array([t.strip() for t in text], dtype=object)
        changed = stripped != text
        blank = stripped == ""
    else:
        convert = _as_text if as_text else (lambda u: np.nan if _blank(u) else u)
        text = np.array([convert(u) for u in uniq], dtype=object)
        stripped = np.array([t.strip() if isinstance(t, str) else t for t in text], dtype=object)
        changed = np.array(
            [isinstance(t, str) and t != s for t, s in zip(text, stripped, strict=True)],
            dtype=bool,
        )
        blank = np.array([_blank(v) or (isinstance(v, str) and v == "") for v in stripped], bool)
    n_changed = int(np.isin(ints, np.flatnonzero(changed)).sum()) if changed.any() else 0
    if not changed.any() and not blank.any():  # distinct already: keep the numbering
        if isinstance(series.dtype, pd.CategoricalDtype) and text is uniq:
            return series, 0  # the same Categorical (re-checking its categories costs seconds)
        cat = pd.Categorical.from_codes(ints, categories=pd.Index(text, dtype=object))
        return pd.Series(cat, index=series.index), 0
    new_ints, categories = pd.factorize(pd.Index(stripped[~blank], dtype=object))
    lookup = np.full(len(stripped) + 1, -1, dtype=np.int64)  # the last entry serves ints == -1
    lookup[:-1][~blank] = new_ints
    cat = pd.Categorical.from_codes(lookup[ints], categories=pd.Index(categories, dtype=object))
    return pd.Series(cat, index=series.index), n_changed


def parse_date_text(text: str) -> pd.Timestamp | str:
    """A date from one of the accepted forms, or the reason it is not one."""
    m = _DATE_RE.match(text)
    if m is None:
        if _AMBIGUOUS_RE.match(text):
            return "is ambiguous (day and month order unknown)"
        return "is not a date"
    hour, minute, second = (int(g) if g else 0 for g in (m[4], m[5], m[6]))
    if hour > 23 or minute > 59 or second > 59:
        return "has a time of day that does not exist"
    if not DATE_RANGE[0].year <= int(m[1]) <= DATE_RANGE[1].year:  # before any nanosecond stamp
        return OUTSIDE
    try:
        return pd.Timestamp(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return "is not a date"


def _date_value(value: object, excel: bool) -> pd.Timestamp | str | float:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, pd.Timestamp) or hasattr(value, "year"):
        if not DATE_RANGE[0].year <= value.year <= DATE_RANGE[1].year:
            return OUTSIDE  # checked before the nanosecond stamp, which wraps past 2262
        return pd.Timestamp(value).normalize().tz_localize(None)
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        if excel and 0 < float(value) <= EXCEL_LAST_SERIAL:
            return (EXCEL_EPOCH + pd.Timedelta(days=int(value))).normalize()
        if excel and float(value) > EXCEL_LAST_SERIAL:
            return f"is an Excel date number after {DATE_RANGE[1]:%Y-%m-%d}"
        return "is a number, not a date"
    return parse_date_text(str(value).strip())


def to_dates(series: pd.Series, file: str, column: str, excel: bool = False) -> pd.Series:
    """Parse a date column (strings, datetimes or Excel serials) to datetime64[ns] at midnight."""
    if pd.api.types.is_datetime64_any_dtype(series):
        out = series.dt.tz_localize(None) if series.dt.tz is not None else series
        _check_range(out, file, column)  # in the column's own unit, before any ns conversion
        out = out.astype("datetime64[ns]").dt.normalize()
    else:
        ints, uniq = _factor(series)
        parsed = [_date_value(u, excel) for u in uniq]
        bad = np.array([isinstance(p, str) for p in parsed], dtype=bool)
        if bad.any():
            rows = _rows_with(ints, bad, series.index)
            value = series.loc[rows[0]]
            reason = parsed[int(ints[series.index.get_loc(rows[0])])]
            low, high = DATE_RANGE
            expected = f"a date between {low:%Y-%m-%d} and {high:%Y-%m-%d}"
            expected = expected if reason == OUTSIDE else DATE_FORMS
            raise row_error(
                file, rows, column, value, reason, expected, "fix the date or drop the row"
            )
        stamps = np.array(
            [
                np.datetime64(p, "ns")
                if isinstance(p, pd.Timestamp)
                else np.datetime64("NaT", "ns")
                for p in parsed
            ],
            dtype="datetime64[ns]",
        )
        out = _expand(ints, stamps, series.index, np.nan)
    _check_range(out, file, column)
    return out


def _check_range(out: pd.Series, file: str, column: str) -> None:
    low, high = DATE_RANGE
    outside = out.notna() & ((out < low) | (out >= high + pd.Timedelta(days=1)))
    if outside.any():
        rows = out.index[outside.to_numpy()]
        raise row_error(
            file,
            rows,
            column,
            out.loc[rows[0]].strftime("%Y-%m-%d"),
            OUTSIDE,
            f"a date between {low:%Y-%m-%d} and {high:%Y-%m-%d}",
            "correct the year",
        )


def to_numbers(series: pd.Series, file: str, col: Column) -> pd.Series:
    """Parse a numeric column (int, float or flag) and check its range or allowed values."""
    if pd.api.types.is_bool_dtype(series):
        series = series.astype(float)
    if pd.api.types.is_numeric_dtype(series):
        out = series.astype(float)
    else:
        ints, uniq = _factor(series)
        values = np.array([_number(u, col.kind) for u in uniq], dtype=float)
        bad = np.isnan(values) & np.array([not _blank(u) for u in uniq], dtype=bool)
        if bad.any():
            rows = _rows_with(ints, bad, series.index)
            expected = "1/0 or 是/否" if col.kind == "flag" else "a number"
            problem = "is not 1 or 0" if col.kind == "flag" else "is not a number"
            raise row_error(
                file, rows, col.name, series.loc[rows[0]], problem, expected, "correct the value"
            )
        out = _expand(ints, values, series.index, np.nan).astype(float)
    _check_numbers(out, file, col)
    return out


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _number(value: object, kind: str) -> float:
    if _blank(value):
        return np.nan
    if kind == "flag":
        if isinstance(value, int | float | np.integer | np.floating):
            return float(value) if float(value) in (0.0, 1.0) else np.nan
        return float(FLAG_WORDS.get(str(value).strip().lower(), np.nan))
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace(",", "")
    if not _NUMBER_RE.match(text):  # Python's float() also takes "1_977", "１９７７", "inf"
        return np.nan
    return float(text)


def _check_numbers(out: pd.Series, file: str, col: Column) -> None:
    values = out.to_numpy()
    checks: list[tuple[np.ndarray, str, str]] = []
    if col.kind == "flag":
        checks.append(
            (~np.isin(values, [0.0, 1.0]) & ~np.isnan(values), "is not 1 or 0", "1/0 or 是/否")
        )
    if col.kind == "int":
        checks.append(
            (
                ~np.isnan(values) & (values != np.round(values)),
                "is not a whole number",
                "a whole number",
            )
        )
    if col.allowed:
        allowed = ", ".join(f"{a:g}" for a in col.allowed)
        checks.append(
            (
                ~np.isnan(values) & ~np.isin(values, col.allowed),
                "is not allowed",
                f"one of {allowed} or empty",
            )
        )
    if col.low is not None:
        span = f"a number from {col.low:g} to {col.high:g}"
        checks.append((values < col.low, "is too small", span))
        checks.append((values > col.high, "is too large", span))
    for bad, problem, expected in checks:
        if bad.any():
            rows = out.index[bad]
            raise row_error(
                file,
                rows,
                col.name,
                f"{out.loc[rows[0]]:g}",
                problem,
                expected,
                "correct the value",
            )


def to_codes(
    series: pd.Series, file: str, col: Column, extra: Mapping[str, str] | None = None
) -> tuple[pd.Series, dict[str, int]]:
    """Map code words to codes; return the codes and counts of non-code spellings repaired."""
    lookup = code_lookup(col.codes, extra)
    ints, uniq = _factor(series)
    if col.codes == "intervention":
        _refuse_outcomes(series, ints, uniq, file, col)
    mapped = np.array([lookup.get(str(u).lower(), None) for u in uniq], dtype=object)
    bad = np.array([m is None for m in mapped], dtype=bool)
    if bad.any():
        rows = _rows_with(ints, bad, series.index)
        valid = [*codes.KINDS[col.codes], *(extra or {}).values()]
        raise row_error(
            file,
            rows,
            col.name,
            series.loc[rows[0]],
            "is not a known code",
            f"one of {', '.join(dict.fromkeys(valid))}, or a Chinese name listed in data/README.md",
            "correct the value",
        )
    counts = np.bincount(ints[ints >= 0], minlength=len(uniq))
    repaired = {
        f"{u} → {m}": int(n) for u, m, n in zip(uniq, mapped, counts, strict=True) if u != m
    }
    return _expand(ints, mapped, series.index, np.nan), repaired


def _refuse_outcomes(series, ints, uniq, file: str, col: Column) -> None:
    outcomes = code_lookup("outcome")
    bad = np.array([str(u).lower() in outcomes for u in uniq], dtype=bool)
    if bad.any():
        rows = _rows_with(ints, bad, series.index)
        raise row_error(
            file,
            rows,
            col.name,
            series.loc[rows[0]],
            "is an outcome, not a support (awards and typical cases follow abstinence)",
            f"a support such as {', '.join(codes.INTERVENTIONS)}",
            "drop these rows; outcomes can never be exposures",
        )


def _check_empty(series: pd.Series, file: str, col: Column) -> None:
    if col.nullable:
        return
    empty = series.isna().to_numpy()
    if empty.any():
        rows = series.index[empty]
        raise row_error(
            file, rows, col.name, None, "empty", _expected(col), "fill the cell or drop the row"
        )


def _expected(col: Column) -> str:
    return {
        "id": "an id",
        "text": "text",
        "date": DATE_FORMS,
        "code": "a code listed in data/README.md",
        "int": "a whole number",
        "float": "a number",
        "flag": "1/0 or 是/否",
    }[col.kind]


def conform(
    frame: pd.DataFrame,
    table: str,
    file: str,
    *,
    excel: bool = False,
    extra_codes: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Canonical columns, codes and dtypes for `table`; raise DataError on the first problem.

    The index (spreadsheet row numbers) is kept. Contract columns come first, in contract
    order; other columns follow as trimmed text. Id and text columns come back as Categoricals
    (`workbench.data.io` turns them into plain text when the checks across tables are done).
    Returns the frame and the repairs made."""
    frame, repairs = rename_headers(frame, table, file)
    out: dict[str, pd.Series] = {}
    trimmed = 0
    for col in SPECS[table]:
        if col.name not in frame.columns:
            continue
        series = frame[col.name]
        as_text = col.kind in ("id", "text", "code")
        typed = pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(
            series
        )
        if as_text or not typed:
            series, n = trim(series, as_text=as_text)
            trimmed += n
        _check_empty(series, file, col)
        out[col.name], notes = _convert(series, file, col, excel, extra_codes)
        repairs += notes
    for name in frame.columns:
        if name not in out:
            series, n = trim(frame[name])
            out[str(name)] = series
            trimmed += n
    if trimmed:
        repairs.insert(0, f"{file}: trimmed spaces around {trimmed:,} cells.")
    return pd.DataFrame(out, index=frame.index), repairs


def _check_visible(series: pd.Series, file: str, col: Column) -> None:
    """Ids must not hold invisible characters: R001 and R001+U+200B would be two people."""
    ints, uniq = _factor(series)
    if not _INVISIBLE.search("\n".join(map(str, uniq))):  # one C-speed scan of 2.3 M ids
        return
    bad = np.array([bool(_INVISIBLE.search(str(u))) for u in uniq], dtype=bool)
    if bad.any():
        rows = _rows_with(ints, bad, series.index)
        value = series.loc[rows[0]]
        char = _INVISIBLE.search(str(value))[0]
        raise row_error(
            file,
            rows,
            col.name,
            value,
            f"holds an invisible character (U+{ord(char):04X})",
            "visible letters and digits only",
            "delete the invisible character (retype the id)",
        )


def _convert(series, file, col, excel, extra_codes) -> tuple[pd.Series, list[str]]:
    if col.kind == "id":
        _check_visible(series, file, col)
    if col.kind == "date":
        return to_dates(series, file, col.name, excel), []
    if col.kind in ("int", "float", "flag"):
        out = to_numbers(series, file, col)
        if col.kind != "float" and not col.nullable:
            out = out.astype("int64")
        return out, _flag_words(series, file, col)
    if col.kind == "code":
        out, repaired = to_codes(series, file, col, (extra_codes or {}).get(col.codes))
        if not repaired:
            return out, []
        total = sum(repaired.values())
        detail = "; ".join(f"{k}: {n:,}" for k, n in repaired.items())
        return out, [f"{file}: {col.name}: mapped {total:,} values to codes ({detail})."]
    return series, []


def _flag_words(series: pd.Series, file: str, col: Column) -> list[str]:
    if col.kind != "flag" or pd.api.types.is_numeric_dtype(series):
        return []
    counts = series.dropna().astype(str).value_counts()
    words = counts[~counts.index.isin(["0", "1", "0.0", "1.0"])]
    if words.empty:
        return []
    detail = "; ".join(f"{w} → {FLAG_WORDS[w.lower()]}: {n:,}" for w, n in words.items())
    return [f"{file}: {col.name}: mapped {int(words.sum()):,} words to 1/0 ({detail})."]


def empty_frame(table: str) -> pd.DataFrame:
    """An empty frame with the contract's columns and dtypes for `table`."""
    dtypes = {"date": "datetime64[ns]", "int": "int64", "flag": "int64", "float": "float64"}
    return pd.DataFrame({c.name: pd.Series(dtype=dtypes.get(c.kind, object)) for c in SPECS[table]})
