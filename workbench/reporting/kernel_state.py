"""Inside a report kernel: the modules every report notebook imports, loaded before its first
cell, and a clean slate before each notebook (issue 23).

`workbench.reporting.kernel` starts the kernel with ``exec_lines`` importing this module, so the
kernel loads pandas, matplotlib and the report's section modules while the parent process still
computes the analyses. Importing it also records matplotlib's settings and the warning filters as
the kernel has them before any notebook; `fresh()` (sent before every notebook, silently and
outside the history) restores them, closes every figure and empties IPython's namespace and
output history with its execution counter back at 1. A notebook then runs as in a kernel that was
just started: the test that proves it compares a report from a reused kernel with one from a
fresh kernel (tests/reporting/test_report.py).
"""

from __future__ import annotations

import json
import os
import warnings

import matplotlib
import matplotlib.pyplot as plt

import workbench.evaluation.analysis
import workbench.fonts
import workbench.params.report
import workbench.reporting.closing
import workbench.reporting.model_sections
import workbench.reporting.notes
import workbench.reporting.ranking_section
import workbench.reporting.sections
import workbench.reporting.summary
import workbench.reporting.trend_sections  # noqa: F401

_RC = dict.copy(matplotlib.rcParams)  # the raw values: no backend resolution, no validation
_FILTERS = list(warnings.filters)


def fresh(env: str = "{}") -> None:
    """Make the kernel as it was before any notebook; `env` (JSON) sets environment variables
    the parent learned after it started the kernel (the input files' hashes)."""
    from IPython import get_ipython

    os.environ.update(json.loads(env))
    plt.close("all")
    dict.update(matplotlib.rcParams, _RC)
    warnings.filters[:] = _FILTERS
    warnings._filters_mutated()  # the per-module "shown once" registries start over
    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=True)  # namespace, Out/_ history, execution_count = 1
