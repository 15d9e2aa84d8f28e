"""Baseline confounders: which cohort columns adjust the comparisons, and their encoding."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench.exceptions import ParameterError

NUMERIC_CONFOUNDERS = (
    "motivation_score",
    "employed_before",
    "family_support",
    "married",
    "age",
    "prior_treatments",
    "years_using",
)
CATEGORICAL_CONFOUNDERS = ("sex", "primary_drug", "prefecture", "facility", "education")
DEFAULT_CONFOUNDERS = NUMERIC_CONFOUNDERS + CATEGORICAL_CONFOUNDERS


def default_confounders(frame: pd.DataFrame) -> list[str]:
    """The default confounders that `frame` carries."""
    return [c for c in DEFAULT_CONFOUNDERS if c in frame.columns]


def encode(
    frame: pd.DataFrame, columns: Sequence[str], *, center: bool = True, levels: dict | None = None
) -> pd.DataFrame:
    """Numeric design matrix: numbers as they are (centred; the means subtracted are in
    ``attrs["centre"]``), categories one-hot, first dropped.

    `levels` fixes each category's level order (so bootstrap samples share columns); columns
    with a single value are dropped.
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParameterError(
            f"confounder(s) {', '.join(missing)} are not in the data; "
            f"available: {', '.join(map(str, frame.columns))}."
        )
    parts, centre = [], {}
    for col in columns:
        values = frame[col]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            x = values.astype(float)
            if x.isna().any():
                raise ParameterError(f"confounder {col} has missing values; impute or drop them.")
            centre[col] = float(x.mean()) if center else 0.0
            parts.append((x - centre[col]).rename(col).to_frame())
            continue
        text = values.astype(str)
        cats = (levels or {}).get(col) or sorted(text[values.notna()].unique())
        code = pd.Categorical(text, categories=cats).codes  # -1: not a listed level
        dummies = (code[:, None] == np.arange(1, len(cats))).astype(float)
        names = [f"{col}[{level}]" for level in cats[1:]]
        parts.append(pd.DataFrame(dummies, columns=names, index=frame.index))
    if not parts:
        return pd.DataFrame(index=frame.index)
    design = pd.concat([part.set_axis(frame.index) for part in parts], axis=1)
    constant = design.columns[np.ptp(design.to_numpy(), axis=0) == 0]
    design = design.drop(columns=constant)
    design = design[independent_columns(design)]
    # what was subtracted from each column (0 for indicators of a category): balance tables add
    # it back, so that group means are of the data as recorded (a 0/1 column: a share)
    design.attrs["centre"] = {c: centre.get(c, 0.0) for c in design.columns}
    return design


def independent_columns(design: pd.DataFrame, tol: float = 1e-8) -> list[str]:
    """Columns kept after dropping those that are linear combinations of earlier ones (e.g. a
    facility that takes only women next to sex); rank-revealing QR of the centred columns."""
    if design.shape[1] == 0:
        return []
    x = design.to_numpy(float, copy=True)
    x -= x.mean(axis=0)
    gram = x.T @ x  # then scaled to unit columns (the normalised columns' Gram matrix)
    norm = np.maximum(np.sqrt(np.diag(gram)), 1e-300)
    gram /= np.outer(norm, norm)
    keep: list[int] = []
    for j in range(x.shape[1]):
        g = gram[np.ix_(keep, keep)]
        b = gram[keep, j]
        resid = gram[j, j] - (b @ np.linalg.solve(g, b) if keep else 0.0)
        if resid > tol:  # share of column j not explained by the columns kept so far
            keep.append(j)
    return [design.columns[j] for j in keep]


def category_levels(frame: pd.DataFrame, columns: Sequence[str]) -> dict:
    """Sorted levels of each non-numeric column (to pass to `encode`)."""
    return {
        c: sorted(frame[c].dropna().astype(str).unique())
        for c in columns
        if not (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))
    }
