"""The estimator contract every fitter and model of the workbench follows (scikit-learn's, in short).

- Configure in ``__init__`` only (keyword arguments stored unchanged); ``fit(data)`` learns and
  returns ``self``; what was learned lives in attributes ending in ``_``.
- Asking for a result before ``fit`` raises ``NotFittedError`` (``check_is_fitted``).
- Resampling is ``n_bootstrap`` replicates from ``seed`` (default ``DEFAULT_SEED``).
- No ``lang`` anywhere in estimators: language is presentation (``workbench.i18n``).
- An estimate that cannot be made is a ``NotEstimable`` result with a reason code, never ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.exceptions import NotFittedError

DEFAULT_SEED = (
    20170101  # the first release day of the bundled synthetic cohort; one seed everywhere
)


def check_is_fitted(estimator: object, attribute: str) -> None:
    """Raise NotFittedError unless `estimator` has the learned `attribute` (set by `fit`).

    >>> class Fitter:
    ...     def fit(self):
    ...         self.coef_ = 0.5
    ...         return self
    >>> check_is_fitted(Fitter().fit(), "coef_")
    >>> check_is_fitted(Fitter(), "coef_")
    Traceback (most recent call last):
    ...
    workbench.exceptions.NotFittedError: this Fitter is not fitted yet; call fit() first
    """
    if not hasattr(estimator, attribute):
        name = type(estimator).__name__
        raise NotFittedError(f"this {name} is not fitted yet; call fit() first")


@dataclass(frozen=True)
class NotEstimable:
    """A result that could not be estimated from these data: `reason` is a catalog code
    (``workbench.i18n``), `fields` the numbers that explain it (``{"n_exposed": 3}``)."""

    reason: str
    fields: dict = field(default_factory=dict)
    estimable: bool = field(default=False, init=False)
