"""The cohort builder: raw visit records → one analysis row per release (data/README.md).

Time is days since release (release day = day 0). Every rule is written out, with a worked
example, under "Cohort rules" in data/README.md and pinned by tests/cohort/test_cohort_rules.py.
Everything is vectorised over releases (integer positions, ``np.minimum.at`` /
``np.maximum.at``, sorts): no per-person Python loops.

- `build_cohort(ds)`: one row per release with (lower_day, upper_day], event, censoring reason.
- `cohort_diagnostics(ds)`: counts of records the rules set aside or overrule.
- `exposure_starts(ds, codes=None)`: first start day of each support per release.
- `analysis_times`, `counting_process`, `landmark_table`, `person_period`: analysis tables.
"""

from workbench.cohort.build import (
    AGE_GROUPS,
    COHORT_COLUMNS,
    COVARIATES,
    LOST_AFTER_MISSED,
    PERSON_COVARIATES,
    build_cohort,
    cohort_diagnostics,
)
from workbench.cohort.exposure import exposure_starts
from workbench.cohort.records import VISIT_WINDOW_DAYS, WINDOW_END_DAYS
from workbench.cohort.tables import (
    analysis_times,
    counting_process,
    landmark_table,
    person_period,
)

__all__ = [
    "AGE_GROUPS",
    "COHORT_COLUMNS",
    "COVARIATES",
    "PERSON_COVARIATES",
    "LOST_AFTER_MISSED",
    "VISIT_WINDOW_DAYS",
    "WINDOW_END_DAYS",
    "analysis_times",
    "build_cohort",
    "cohort_diagnostics",
    "counting_process",
    "exposure_starts",
    "landmark_table",
    "person_period",
]
