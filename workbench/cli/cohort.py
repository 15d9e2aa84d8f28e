"""`workbench cohort DATA --out FILE`: one analysis row per release."""

from __future__ import annotations

import argparse


def run_cohort(args: argparse.Namespace) -> int:
    """`workbench cohort DATA --out FILE`: one analysis row per release."""
    from workbench.cohort import build_cohort
    from workbench.data.io import load_dataset
    from workbench.data.write import check_table_path, write_table
    from workbench.privacy.public import neutral_csv

    check_table_path(args.out)
    ds = load_dataset(args.data, cutoff=args.cutoff)
    cohort = build_cohort(ds)
    csv = str(args.out).lower().endswith(".csv")
    write_table(neutral_csv(cohort) if csv else cohort, args.out)  # no formulas in a CSV
    counts = cohort["event"].value_counts()
    print(
        f"{len(cohort):,} releases → {args.out} "
        f"(relapse {counts.get('relapse', 0):,}, death {counts.get('death', 0):,}, "
        f"censored {counts.get('censored', 0):,})"
    )
    return 0
