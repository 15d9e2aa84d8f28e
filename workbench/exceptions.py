"""One exception hierarchy for the workbench, and our own warning class.

A message says what is wrong, where (file, row, column, value), what was expected and what to do.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose."""


class DataError(WorkbenchError, ValueError):
    """Input data break the data contract (data/README.md)."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> None:
        super().__init__(message)
        self.file = file
        self.row = row
        self.column = column
        self.value = value


class ParameterError(WorkbenchError, ValueError):
    """A parameter set or dataset spec has an unknown key or a bad value."""


class EstimationError(WorkbenchError, ValueError):
    """An estimate cannot be computed from these data (too few events, no overlap, ...)."""


class NotFittedError(WorkbenchError, AttributeError):
    """An estimator's result was asked for before `fit` (the one error for this, like scikit-learn's)."""


class ReportError(WorkbenchError):
    """Executing or rendering a report failed."""


class StatisticalWarning(UserWarning):
    """A statistical caveat: shown under results, and an error in strict batch runs.

    Raised as ``StatisticalWarning(message, code=..., **fields)``: ``code`` names the caveat in the
    catalog (``workbench.i18n``, key ``caveat_<code>``) and ``fields`` are its numbers, so the
    report renders it in either language from data, never by parsing the English message.
    """

    def __init__(self, message: str, *, code: str | None = None, **fields: object) -> None:
        super().__init__(message)
        self.code = code
        self.fields = fields
