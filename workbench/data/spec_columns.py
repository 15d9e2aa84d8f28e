"""Column values of a dataset spec: event and arm words, complete cases, entry and weights.

Used by `workbench.data.spec`; every refusal is one `DataError` line naming file, row, column, the
expected values and what to do (data/README.md, "Analysis-ready tables: dataset specs").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from workbench import i18n
from workbench.data.values import show
from workbench.exceptions import DataError

TRUE_WORDS = {"1", "true", *i18n.TEXT["flag_yes"].values()}  # yes, and the Chinese yes
FALSE_WORDS = {"0", "false", *i18n.TEXT["flag_no"].values()}


def words(series: pd.Series) -> pd.Series:
    """Cell values as comparable words: stripped, lower case, "1.0" read as "1"."""
    text = series.astype(str).str.strip().str.lower()
    return text.where(~text.str.fullmatch(r"-?\d+\.0+"), text.str.replace(r"\.0+$", "", regex=True))


def word_set(values: object) -> set[str]:
    """The words of a spec's value list; YAML reads yes/no/true/false as booleans, which stand
    for every true (false) word."""
    items = values if isinstance(values, list) else [values]
    out = set(words(pd.Series([str(v) for v in items if not isinstance(v, bool)], dtype=object)))
    for v in items:
        if isinstance(v, bool):
            out |= TRUE_WORDS if v else FALSE_WORDS
    return out


def _refuse(raw: pd.DataFrame, bad: np.ndarray, column: str, file: str, what: str, todo: str):
    row = raw.index[bad][0]
    raise DataError(
        f"{file} row {row:,}: {column} {show(raw.loc[row, column])} {what}; {todo}.",
        file=file,
        row=int(row),
        column=column,
        value=raw.loc[row, column],
    )


def event_codes(event: object, raw: pd.DataFrame, file: str) -> np.ndarray:
    """'relapse' | 'death' (the competing event) | 'censored' per row, from a 1/0, true/false,
    yes/no (English or Chinese) column or a mapping {column, relapse, censored, competing}."""
    if isinstance(event, Mapping):
        column = str(event["column"])
        groups = {
            "relapse": word_set(event.get("relapse", [1])),
            "censored": word_set(event.get("censored", [0])),
            "death": word_set(event.get("competing", [])),
        }
    else:
        column = str(event)
        groups = {"relapse": TRUE_WORDS, "censored": FALSE_WORDS, "death": set()}
    seen = words(raw[column])
    out = np.full(len(raw), "", dtype=object)
    for code, values in groups.items():
        out[seen.isin(values).to_numpy() & (out == "")] = code
    bad = out == ""
    if bad.any():
        allowed = ", ".join(sorted(set().union(*groups.values())))
        _refuse(
            raw,
            bad,
            column,
            file,
            f"is not an event value (expected one of {allowed})",
            "correct the value or map it in the spec",
        )
    return out.astype(str)


def arm_values(item: object, raw: pd.DataFrame, file: str) -> tuple[str, np.ndarray]:
    """(code, 0/1 array) of one `interventions`/`arms` entry: a column of event value words, or
    {column: C, treated: [...], untreated: [...]}."""
    if isinstance(item, Mapping):
        column = str(item["column"])
        yes, no = word_set(item["treated"]), word_set(item["untreated"])
        expected = (
            f"expected one of treated {', '.join(sorted(yes))} or untreated {', '.join(sorted(no))}"
        )
    else:
        column, yes, no = str(item), TRUE_WORDS, FALSE_WORDS
        yes_no = {
            lang: f"{i18n.t('flag_yes', lang)}/{i18n.t('flag_no', lang)}" for lang in ("en", "zh")
        }
        expected = f"expected 1/0, true/false, {yes_no['en']} or {yes_no['zh']}"
    seen = words(raw[column])
    is_yes, is_no = seen.isin(yes).to_numpy(), seen.isin(no).to_numpy()
    bad = ~(is_yes | is_no)
    if bad.any():
        _refuse(
            raw,
            bad,
            column,
            file,
            f"is not a treatment value ({expected})",
            "recode the column or map it: {column: C, treated: [...], untreated: [...]}",
        )
    return column, is_yes.astype("int64")


def empty_cells(raw: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """True where a cell of `columns` is empty (missing or only spaces)."""
    out = {}
    for column in dict.fromkeys(columns):
        values = raw[column]
        out[column] = values.isna() | values.astype(str).str.strip().eq("")
    return pd.DataFrame(out, index=raw.index)


def complete_cases(
    raw: pd.DataFrame, columns: Sequence[str], policy: str, file: str
) -> tuple[pd.DataFrame, int, dict[str, int]]:
    """`raw` without rows that have an empty cell in `columns` ('complete_case'), the number of
    rows dropped and of empty cells per column; or a DataError at the first empty cell ('error')."""
    if not columns:
        return raw, 0, {}
    empty = empty_cells(raw, columns)
    rows = empty.any(axis=1).to_numpy()
    if not rows.any():
        return raw, 0, {}
    if policy == "error":
        row = raw.index[rows][0]
        column = str(empty.columns[empty.loc[row].to_numpy()][0])
        raise DataError(
            f"{file} row {row:,}: {column} is empty (the spec says missing: error); fill the value, "
            "drop the row or use missing: complete_case.",
            file=file,
            row=int(row),
            column=column,
        )
    kept = raw.loc[~rows]
    if len(kept) == 0:
        raise DataError(
            f"{file}: every row has an empty cell in {', '.join(empty.columns[empty.any()])}; "
            "fill the values or remove those columns from the spec.",
            file=file,
        )
    counts = {str(c): int(n) for c, n in empty.sum().items() if n}
    return kept, int(rows.sum()), counts


def numeric_column(
    raw: pd.DataFrame, column: str, file: str, what: str, positive: bool = False
) -> np.ndarray:
    """Finite non-negative numbers (entry times), or positive ones (case weights: a row with
    weight 0 adds nothing, and the Cox fits refuse it)."""
    values = pd.to_numeric(raw[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | ((values <= 0) if positive else (values < 0))
    if bad.any():
        advice = "remove the row or correct the value" if positive else "correct the value"
        _refuse(raw, bad, column, file, f"is not {what}", advice)
    return values


def categories_checked(
    raw: pd.DataFrame, covariates: Sequence[str], reference: Mapping, name: str
) -> None:
    """Every `reference` names a listed covariate and one of its levels."""
    from workbench.exceptions import ParameterError

    for column, level in reference.items():
        if column not in covariates:
            raise ParameterError(
                f"{name}: reference given for {column}, which is not a covariate; add it to "
                "covariates or remove the reference."
            )
        levels = sorted(set(raw[column].dropna().astype(str)))
        if str(level) not in levels:
            shown = ", ".join(levels[:10]) + (" …" if len(levels) > 10 else "")
            raise ParameterError(
                f"{name}: reference level {level!r} of {column} is not one of {shown}; "
                "correct the reference."
            )
