"""Inside a report kernel: the modules every report notebook imports, loaded before its first
cell, a clean slate before each notebook, and the other language's figures drawn after one
(issue 23).

`workbench.reporting.kernel` starts the kernel with ``exec_lines`` importing this module, so the
kernel loads pandas and the report's section modules while the parent process still computes
the analyses. Not matplotlib: the sections take their figures from `figure_cache`, which imports
the drawing modules only on a miss (a warm report never loads it). Importing this module records
the warning filters as the kernel has them before any notebook; `fresh()` (sent before every
notebook, silently and outside the history) restores them, puts matplotlib's settings back as a
new process has them (when a notebook loaded it), closes every pyplot figure and empties
IPython's namespace and output history with its execution counter back at 1. A notebook then
runs as in a kernel that was just started: the test that proves it compares a report from a
reused kernel with one from a fresh kernel (tests/reporting/test_report.py).

`ahead(path)` (sent by the parent while it computes a report's analyses) draws the figures of the
sections computed so far into the cache (`analysis_ahead.draw`).

`prewarm(langs)` (sent by the parent after a report's notebook and PDF) builds the
notebook's figure sections for the same results in the other language(s), which draws their
figures into the cache (`figure_ahead`); silent, matplotlib's settings restored afterwards.
"""

from __future__ import annotations

import json
import os
import sys
import warnings

import workbench.evaluation.analysis
import workbench.evaluation.results
import workbench.fonts
import workbench.params.report
import workbench.reporting.closing
import workbench.reporting.model_sections
import workbench.reporting.notes
import workbench.reporting.ranking_section
import workbench.reporting.sections
import workbench.reporting.summary
import workbench.reporting.trend_sections
from workbench.reporting import figure_ahead

_FILTERS = list(warnings.filters)


def fresh(env: str = "{}", cwd: str | None = None) -> None:
    """Make the kernel as it was before any notebook; `env` (JSON) sets environment variables
    the parent learned after it started the kernel (the input files' hashes); `cwd`: the
    working directory of this run (a kernel kept from an earlier run was started in that
    run's)."""
    from IPython import get_ipython

    os.environ.update(json.loads(env))
    if cwd is not None:
        os.chdir(cwd)
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    if "matplotlib" in sys.modules:
        mpl = sys.modules["matplotlib"]
        dict.update(mpl.rcParams, figure_ahead.pristine_rc(mpl))
    warnings.filters[:] = _FILTERS
    warnings._filters_mutated()  # the per-module "shown once" registries start over
    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=True)  # namespace, Out/_ history, execution_count = 1


def prewarm(langs: list[str], namespace: dict | None = None) -> int:
    """Draw into the cache the figures of the notebook just run (its `results` and `params`
    in `namespace`, by default the kernel's) in each of `langs` (`figure_ahead.prewarm`);
    returns how many were drawn. Best effort: an error only means that report draws the
    figure itself."""
    from IPython import get_ipython

    shell = get_ipython()
    ns = namespace if namespace is not None else shell.user_ns if shell is not None else {}
    results, params = ns.get("results"), ns.get("params")
    if not isinstance(params, workbench.params.report.ReportParams):
        return 0
    if not isinstance(results, workbench.evaluation.results.ReportResults):
        return 0
    return figure_ahead.prewarm(results, params, langs)


def ahead(path: str) -> int:
    """Draw into the cache the figures of the sections in the job at `path`, sent while the
    parent computes the analyses (`analysis_ahead`); how many were drawn. Best effort."""
    from workbench.reporting import analysis_ahead

    try:
        return analysis_ahead.draw(path)
    except Exception:
        return 0
