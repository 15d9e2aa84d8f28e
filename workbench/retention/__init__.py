"""Retention: how long people keep abstinent after release.

Exact-time Kaplan–Meier (`km`), competing-risk cumulative incidence (`competing`) and the
interval-censored NPMLE (`turnbull`), each checked against R's survival package.
"""

from workbench.retention.competing import AalenJohansen, best_available_times  # noqa: F401
from workbench.retention.ictest import ICTestResult, ictest  # noqa: F401
from workbench.retention.km import KaplanMeier, by_group  # noqa: F401
from workbench.retention.rmst import RMST  # noqa: F401
from workbench.retention.turnbull import TurnbullFitter  # noqa: F401
