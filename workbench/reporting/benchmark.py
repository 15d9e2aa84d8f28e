"""The province beside a prefecture's (or facility's) report: its benchmark figures.

A prefecture report that stands alone shows, beside each headline number, the province's figure
(retention at each milestone, visit coverage), and the prefecture's own standing in the province's
regional comparison (adjusted 12-month retention, flag, and the 95 % / 99.8 % limits for a
prefecture of its size; a centre's report: its row of the province's comparison of centres). They come from the province analysis with the same data, period and
analysis parameters (`province_params`), read from the analysis cache when the province report
(or another prefecture report) computed it, else computed here once and cached; the batch runs the
province first so its prefecture reports find it. A report run alone computes it itself (the
benchmark's sections only, see below). When it cannot be had, the report says the benchmark is unavailable.

Only the sections the benchmark shows are needed (`BENCHMARK_SECTIONS`: retention, coverage,
regions, ranking, and the comparison of centres; a few seconds at 23,000 releases, against about a
minute for the whole province analysis): `analyse(..., only=BENCHMARK_SECTIONS)` reads the whole
province analysis when it is cached, else computes these sections alone (same code, same seeds,
so the same numbers) under their own cache entry and lock. Concurrent reports of one batch
compute them once (whoever waited reads the cache), and a prefecture report no longer waits for
the whole province analysis that the province report is computing beside it.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.exceptions import WorkbenchError
from workbench.params.report import ReportParams

BENCHMARK_ENV = "WORKBENCH_PROVINCE_BENCHMARK"  # "off": do not compute it (tests, quick drafts)
# what `from_results` reads (the comparison of centres comes with the regions' retention fit)
BENCHMARK_SECTIONS = ("retention", "coverage", "regions", "ranking")


@dataclass(frozen=True)
class ProvinceBenchmark:
    """The province's figures (None when unavailable: `reason` says why)."""

    milestones: pd.DataFrame | None = None  # months, estimate, lower, upper
    coverage: float | None = None
    standing: dict[str, Any] | None = None  # this prefecture's row of the regional comparison
    ranking: dict[str, pd.DataFrame] | None = None  # the province's fair ranking (issue 19)
    reason: str = ""

    @property
    def available(self) -> bool:
        return self.milestones is not None

    def at(self, months: float) -> pd.Series | None:
        if self.milestones is None:
            return None
        rows = self.milestones[np.isclose(self.milestones["months"], float(months))]
        return None if rows.empty else rows.iloc[0]


def province_params(params: ReportParams) -> ReportParams | None:
    """The province analysis a scoped report is compared with (None for the province itself)."""
    if not (params.prefecture or params.facility):
        return None
    return dataclasses.replace(params, prefecture=None, facility=None, name="province")


def province_benchmark(params: ReportParams) -> ProvinceBenchmark | None:
    """The benchmark of a scoped report; None for a province report (it is its own benchmark)."""
    whole = province_params(params)
    if whole is None:
        return None
    return _benchmark(whole, params.prefecture, params.facility)


@functools.cache
def _benchmark(
    whole: ReportParams, prefecture: str | None, facility: str | None = None
) -> ProvinceBenchmark:
    if os.environ.get(BENCHMARK_ENV) == "off":
        return ProvinceBenchmark(reason="off")
    try:
        results = _province_results(whole)
    except (WorkbenchError, OSError, ValueError) as err:
        return ProvinceBenchmark(reason=type(err).__name__)
    return from_results(results, prefecture, facility)


def from_results(
    results: Any, prefecture: str | None, facility: str | None = None
) -> ProvinceBenchmark:
    """The benchmark figures of a province `ReportResults` (already disclosure-protected); the
    standing of a facility comes from the province's comparison of centres
    (`facility_regions`), of a prefecture from its regional comparison."""
    ms = results.milestones
    if ms is None:
        return ProvinceBenchmark(reason="retention")
    milestones = ms[["months", "estimate", "lower", "upper"]].reset_index(drop=True)
    coverage = None
    if results.coverage is not None and len(results.coverage):
        total = results.coverage.iloc[-1]  # the "all" row
        coverage = float(total["coverage"]) if total["visits_due"] > 0 else None
    standing = None
    reg, code = results.regions, prefecture
    if facility is not None:  # a centre's report: the province's comparison of centres
        reg, code = getattr(results, "facility_regions", None), facility
    if reg is not None and code is not None and (reg["code"] == code).any():
        from workbench.programme.regions import flag_categories

        row = reg.loc[reg["code"] == code].iloc[0]
        cat = flag_categories(reg.loc[reg["code"] == code]).iloc[0]
        standing = {
            **{k: float(row[k]) for k in ("n", "observed", "expected", "adjusted")},
            **{
                k: float(row[k]) for k in ("lower95", "upper95", "lower998", "upper998") if k in row
            },
            "category": str(cat["category"]),
            "sure": bool(cat["sure"]),
        }
    return ProvinceBenchmark(milestones, coverage, standing, getattr(results, "ranking", None))


def _province_results(whole: ReportParams) -> Any:
    from workbench.evaluation.analysis import analyse

    # the whole province analysis when cached, else only the benchmark's sections (cached too)
    return analyse(whole, only=BENCHMARK_SECTIONS)
