"""What an emulation shows besides its estimates: the TARGET-style protocol (catalog Texts),
the flow of numbers per strategy, the weights' distribution, and the caveats.

Caveats (StatisticalWarning codes):
- ``tt_positivity``: a level of a baseline covariate (sex, drug, education, prior employment,
  marriage, family support) with at least `MIN_STRATUM` releases in which nobody started the
  support within the grace period — the "start" strategy is extrapolated there;
- ``tt_extreme_weights``: a weight above `EXTREME_WEIGHT` before truncation, or an effective
  sample size below `LOW_ESS_SHARE` of the clones with data in some month (fields: strategy,
  max_weight, and for the month with the lowest ESS share: month, ess, share = ESS / n_data,
  n_data = clones with data in that month);
- ``tt_few_starts``: fewer than `FEW_STARTS` starts within the grace period (an emulation
  with fewer than `MIN_STARTS` is not made at all: NotEstimable ``tt_too_few_starts``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.emulation.grid import CENSORED, DEATH, FRAME_COLUMNS, HORIZON, RELAPSE, Grid
from workbench.emulation.weights import carries_data, weight_summary
from workbench.exceptions import StatisticalWarning
from workbench.i18n import Text, listing

MIN_STRATUM = 20
EXTREME_WEIGHT = 20.0
LOW_ESS_SHARE = 0.1
FEW_STARTS = 50
MIN_STARTS = 10
STRATA = FRAME_COLUMNS


def support_name(code: str) -> Text:
    return Text("tt_name", {"zh": codes.label("intervention", code, "zh"),
                            "en": codes.label("intervention", code, "en")})  # fmt: skip


def protocol(code, grace, horizons, n, employment, ci, n_bootstrap) -> dict[str, Text]:
    """The protocol table: section -> Text (row labels: ``tt_row_<section>``)."""
    name = support_name(code)
    start = Text("tt_strategy_start", {"name": name, "grace": grace})
    never = Text("tt_strategy_never", {"name": name})
    emp = Text("tt_protocol_employment") if employment else Text("tt_name", {"zh": "", "en": ""})
    ci_text = (
        Text("tt_ci_bootstrap", {"n": n_bootstrap}) if ci == "bootstrap" else Text("tt_ci_sandwich")
    )
    months = Text("tt_name", {"zh": listing(horizons, "zh"), "en": listing(horizons, "en")})
    return {
        "eligibility": Text("tt_protocol_eligibility", {"n": n}),
        "strategies": Text(
            "tt_protocol_strategies",
            {"start": start, "never": never, "grace": grace, "before": grace - 1},
        ),
        "time_zero": Text("tt_protocol_time_zero"),
        "assignment": Text("tt_protocol_assignment", {"grace": grace, "employment": emp}),
        "outcome": Text("tt_protocol_outcome"),
        "follow_up": Text("tt_protocol_follow_up", {"months": HORIZON}),
        "contrast": Text("tt_protocol_contrast", {"horizons": months, "months": HORIZON}),
        "analysis": Text("tt_protocol_analysis", {"ci": ci_text}),
    }


def flow(grid: Grid, arms: dict) -> pd.DataFrame:
    """Per strategy: eligible, cloned, censored for deviating, censored otherwise, relapses and
    deaths seen (raw counts; suppression is the report's)."""
    rows = []
    for strategy, arm in arms.items():
        c = arm.clones
        rows.append(
            {
                "strategy": strategy,
                "eligible": grid.n,
                "cloned": grid.n,
                "censored_deviation": int(c.deviated.sum()),
                "censored_other": int(np.sum((c.kind == CENSORED) & ~c.deviated)),
                "relapses": int(np.sum(c.kind == RELAPSE)),
                "deaths": int(np.sum(c.kind == DEATH)),
            }
        )
    return pd.DataFrame(rows).set_index("strategy")


def weights_table(arms: dict) -> pd.DataFrame:
    """Per strategy and month 1..36: mean, p99, max, ESS, n truncated of the weights."""
    parts = []
    for strategy, arm in arms.items():
        memo = arm.weights.memo  # the "never" arm's serves every grace period's fit
        if "summary" not in memo:
            data = carries_data(arm.clones.kind, arm.clones.l, arm.clones.b)
            memo["summary"] = weight_summary(arm.weights, data, HORIZON)
        parts.append(memo["summary"].assign(strategy=strategy))
    cols = ["strategy", "month", "mean", "p99", "max", "ess", "n_truncated"]
    return pd.concat(parts, ignore_index=True)[cols]


def caveats(code, grid: Grid, grace: int, arms: dict, table: pd.DataFrame) -> list:
    """The StatisticalWarnings of one emulation (see the module doc)."""
    out = []
    started = grid.start_month <= grace
    n_starts = int(started.sum())
    name = codes.label("intervention", code, "en")
    if n_starts < FEW_STARTS:
        msg = f"target trial ({name}): only {n_starts} started within the grace period"
        out.append(StatisticalWarning(msg, code="tt_few_starts", name=support_name(code),
                                      n_starts=n_starts))  # fmt: skip
    for col in STRATA:
        if col not in grid.frame.columns:
            continue
        for level, n_level, n_started in _strata(grid.frame[col], started):
            if n_level >= MIN_STRATUM and not n_started:
                msg = f"target trial ({name}): nobody with {col} = {level} started it"
                out.append(StatisticalWarning(msg, code="tt_positivity", name=support_name(code),
                                              covariate=col, level=level, n=n_level))  # fmt: skip
    for strategy, arm in arms.items():
        rows = table[(table["strategy"] == strategy) & (table["ess"] > 0)]
        data = carries_data(arm.clones.kind, arm.clones.l, arm.clones.b)
        n_data = data[:, :HORIZON].sum(axis=0)
        share = rows["ess"].to_numpy() / np.maximum(n_data[rows["month"].to_numpy() - 1], 1)
        max_w = float(np.nanmax(rows["max"])) if len(rows) else 0.0
        if max_w > EXTREME_WEIGHT or (share.size and share.min() < LOW_ESS_SHARE):
            worst = int(rows["month"].to_numpy()[np.argmin(share)]) if share.size else 0
            ess = float(rows["ess"].to_numpy()[np.argmin(share)]) if share.size else 0.0
            n_worst = int(n_data[worst - 1]) if share.size else 0
            msg = (f"target trial ({name}, {strategy}): largest weight {max_w:.1f}, "
                   f"ESS {ess:.0f} in month {worst}")  # fmt: skip
            out.append(StatisticalWarning(msg, code="tt_extreme_weights", name=support_name(code),
                                          strategy=strategy, max_weight=max_w, month=worst,
                                          ess=ess, share=float(share.min()) if share.size else 0.0,
                                          n_data=n_worst))  # fmt: skip
    return out


def _strata(column: pd.Series, started: np.ndarray) -> list[tuple[str, int, int]]:
    """(level as text, releases, starters) per level of `column`, in the order of the levels'
    texts (what np.unique of column.astype(str) gives), counted on the column's codes: the
    texts are made of the distinct values only, not of every row."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    text = np.array([str(u) for u in pd.Series(uniques, dtype=column.dtype).astype(str)])
    size = np.bincount(codes, minlength=len(text))
    starts = np.bincount(codes, weights=started.astype(float), minlength=len(text))
    merged: dict[str, list[int]] = {}
    for t, n, k in zip(text, size, starts, strict=True):  # values with the same text: one level
        entry = merged.setdefault(str(t), [0, 0])
        entry[0] += int(n)
        entry[1] += int(k)
    return [(t, n, k) for t, (n, k) in sorted(merged.items())]
