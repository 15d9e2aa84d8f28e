"""The report pipeline: parameters → cached analyses → papermill → HTML → A4 PDF, and batches.

`run_report(args)` is `workbench report`; `workbench.reporting.batch.run_batch(args)` is
`workbench batch`. Sections are functions in `sections` and `closing`; the heavy computation is
`analysis.analyse(params)`, cached so the Chinese and English reports of a scope compute once.
"""

from workbench.reporting.analysis import ReportResults, analyse  # noqa: F401
from workbench.reporting.execute import ReportOutputs, build_report, run_report  # noqa: F401
from workbench.reporting.suppression import count_text, suppress  # noqa: F401
