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

_EXPORTS = {
    "analyse": "workbench.evaluation.analysis",
    "ReportResults": "workbench.evaluation.results",
    "ReportOutputs": "workbench.reporting.execute",
    "build_report": "workbench.reporting.execute",
    "count_text": "workbench.reporting.suppression",
    "suppress": "workbench.reporting.suppression",
}


def __getattr__(name: str):
    """The package's re-exports, imported on first use: the report kernel imports
    `workbench.reporting.sections` and must not pay for papermill, nbformat and the analyses."""
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
