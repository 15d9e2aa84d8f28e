"""CPU seconds of notebook 02 section 2's milestone table by group at the notebook's defaults
(10,000 simulated releases, groups primary_drug/sex/age_group/prefecture, months 12/24/36),
without bootstrap CIs (as before session 8) and with the NPMLE's 200-replicate bootstrap CI
(now), each twice, in the same run.

    nice python bench/notebook_groups.py      # about 70 s CPU
"""

from __future__ import annotations

import os

from workbench.cohort import build_cohort, followup

GROUPS = ["primary_drug", "sex", "age_group", "prefecture"]


def cpu() -> float:
    """CPU seconds of this process and its children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    ds, _ = followup.load_or_simulate(None, 10_000, 20170101, None)
    cohort = build_cohort(ds)
    for n_bootstrap in (0, 200, 0, 200):
        start = cpu()
        table = followup.milestones_by_group(
            cohort, GROUPS, [12, 24, 36], "en", n_bootstrap=n_bootstrap, seed=20170101
        )
        width = (table["upper"] - table["lower"]).dropna()
        said = f"median CI width {width.median():.3f}" if len(width) else "no CI"
        print(f"n_bootstrap={n_bootstrap}: {cpu() - start:.2f} s CPU, {len(table)} rows, {said}")


if __name__ == "__main__":
    main()
