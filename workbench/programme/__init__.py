"""The programme view, on the cohort table (`workbench.cohort.build_cohort`):

- `tiers`: abstinence tiers (1, 2, 3 years) against the targets, observed and projected.
- `coverage`: tracking coverage (visits attended / due) and loss to follow-up per group.
- `regions`: the risk-adjusted comparison of prefectures (funnel plot data, flag categories).
"""
