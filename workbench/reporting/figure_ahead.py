"""A report's figures drawn ahead of its notebook, into the figure cache (issue 23).

The notebook's figure sections (`figure_sections`, under the notebook's own conditions) are
built for given results and parameters, which draws their figures through `figure_cache`; the
HTML is thrown away. Two users:

- `prewarm` (in the report kernel, after a report's PDF, see `kernel_state.prewarm`): the same
  report in the other language(s), silent;
- `ahead` (in the parent, while the kernel runs the notebook): a thread builds the sections
  from the last backwards while the kernel's cells build them from the first, so the two cores
  share the drawing of a cold report's figures and each figure is drawn about once (where they
  meet, one may be drawn by both). Only for a province report: a scoped report's sections read
  the province benchmark, which the kernel may be computing meanwhile.

(`analysis_ahead` has the kernel draw them even earlier, while the analyses run.)

Drawing ahead only ever fills the cache: a figure it has not drawn (an error, a stop) is drawn
by the notebook itself, and a cached figure equals a freshly drawn one (tests/reporting/
test_figure_cache.py).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import threading
import warnings
from collections.abc import Callable, Collection, Iterator
from typing import Any

from workbench.reporting import figure_cache


def figure_sections(results: Any, names: Collection[str] | None = None) -> list[Callable]:
    """The notebook's sections that draw figures, in its order, under its own conditions;
    `names`: only these (retention, trend, tiers, check, effects, regions, ranking)."""
    from workbench.reporting import model_sections, ranking_section, sections, trend_sections

    out: list[tuple[str, Callable]] = []
    if results.milestones is not None:
        out.append(("retention", sections.retention))
    if results.trend is not None:
        out.append(("trend", trend_sections.trend))
    if results.tiers is not None:
        out.append(("tiers", sections.tiers))
    if results.projection_check is not None or results.model_check is not None:
        out.append(("check", trend_sections.check))
    if results.effects is not None:
        out.append(("effects", model_sections.effects))
    if results.regions is not None:
        out.append(("regions", sections.regions))
    out.append(("ranking", ranking_section.ranking))
    return [build for name, build in out if names is None or name in names]


def pristine_rc(mpl) -> dict:
    """matplotlib's settings as a new process has them (matplotlibrc, then $MPLBACKEND), raw."""
    rc = dict(dict.items(mpl.rcParamsOrig))
    if os.environ.get("MPLBACKEND"):
        rc["backend"] = os.environ["MPLBACKEND"]
    return rc


@contextlib.contextmanager
def fresh_matplotlib() -> Iterator[None]:
    """matplotlib's settings as in a new process for the block (an earlier report's language
    leaves its fonts first in line), then as they were."""
    mpl = sys.modules.get("matplotlib")
    saved = dict(dict.items(mpl.rcParams)) if mpl is not None else None
    if mpl is not None:
        dict.update(mpl.rcParams, pristine_rc(mpl))
    try:
        yield
    finally:
        mpl = sys.modules.get("matplotlib")
        if mpl is not None:
            dict.update(mpl.rcParams, saved if saved is not None else pristine_rc(mpl))


def prewarm(
    results: Any, params: Any, langs: list[str], names: Collection[str] | None = None
) -> int:
    """Draw into the cache the figures of the report for `results` and `params` in each of
    `langs` (`names`: of these sections only, `figure_sections`); returns how many were drawn.
    Silent: no output, no warnings (process-wide: for the kernel, which has nothing else to do
    meanwhile)."""
    from workbench.params.report import ReportParams

    before = figure_cache.DRAWN["n"]
    for lang in langs:
        try:
            other = ReportParams.from_mapping({**params.to_mapping(), "lang": lang})
        except Exception:
            continue
        for build in figure_sections(results, names):
            with _silent(), fresh_matplotlib(), contextlib.suppress(Exception):
                build(results, other)
    return figure_cache.DRAWN["n"] - before


@contextlib.contextmanager
def _silent() -> Iterator[None]:
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        warnings.simplefilter("ignore")
        yield


@contextlib.contextmanager
def ahead(results: Any, params: Any) -> Iterator[None]:
    """For the block (the kernel running the notebook of `params`), a thread of this process
    builds the report's figure sections from the last backwards, into the cache; at the end of
    the block it stops after the section it is building. Nothing for a scoped report (see the
    module docstring) or when the drawing modules cannot be loaded."""
    from workbench.reporting.benchmark import province_params

    if province_params(params) is not None:
        yield
        return
    stop = threading.Event()

    def draw() -> None:
        with fresh_matplotlib():
            for build in reversed(figure_sections(results)):
                if stop.is_set():
                    return
                with contextlib.suppress(Exception):
                    build(results, params)

    thread = threading.Thread(target=draw, name="figures-ahead", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
