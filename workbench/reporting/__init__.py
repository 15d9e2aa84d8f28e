"""The report pipeline: parameters → cached analyses → papermill → HTML → A4 PDF, and batches.

`workbench report` and `workbench batch` are `workbench.cli.report` and `workbench.cli.batch`
(`execute.build_report`, `batch.execute_batch`). Sections are functions in `sections` and `closing`; the heavy computation is
`workbench.evaluation.analyse(params)`, cached so the Chinese and English reports of a scope
compute once.
"""

import sys

# jsonschema (imported by nbformat) loads rfc3987_syntax when it is installed, and that builds an
# Earley grammar at import time: 2-8 s in every report process and every kernel, for IRI format
# checks that notebook schemas never use. Without it jsonschema simply skips those formats.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from workbench.evaluation.analysis import analyse  # noqa: E402, F401
from workbench.evaluation.results import ReportResults  # noqa: E402, F401
from workbench.reporting.execute import ReportOutputs, build_report  # noqa: E402, F401
from workbench.reporting.suppression import count_text, suppress  # noqa: E402, F401
