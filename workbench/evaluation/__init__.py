"""The report's analyses: load the data, build the cohort once, run every analysis.

`analyse(params)` returns a `ReportResults` of plain tables and numbers (cached on disk);
`workbench.reporting` only renders it. `contract` holds the per-dataset analysis steps and
`models` the model-based ones (risk factors, support effects, competing risks).
"""

from workbench.evaluation.analysis import analyse  # noqa: F401
from workbench.evaluation.results import ReportResults  # noqa: F401
