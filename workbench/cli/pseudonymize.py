"""`workbench pseudonymize`: replace direct identifiers (`workbench.privacy.pseudonymize`)."""

from __future__ import annotations

import argparse


def run_pseudonymize(args: argparse.Namespace) -> int:
    """`workbench pseudonymize DATA --key FILE --out DIR`."""
    from workbench.privacy.pseudonymize import pseudonymize

    result = pseudonymize(args.data, args.key, args.out)
    for table, rows in result.tables.items():
        gone = ", ".join(result.dropped[table]) or "none"
        print(f"{table}: {rows:,} rows; identifier columns dropped: {gone}")
    if result.key_created:
        print(f"new key written to {args.key}: keep it apart from the data; without it the same")
        print("ids cannot be pseudonymised the same way again.")
    print(f"pseudonymised dataset → {result.out}")
    return 0
