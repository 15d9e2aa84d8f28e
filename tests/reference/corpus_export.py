"""Export the corpus tables that come with lifelines (MIT licence) to data/corpus/<name>/<name>.csv.

Run from the repository root:  python tests/reference/corpus_export.py
(The R survival tables are written by tests/reference/corpus_export.R.)
- rossi: Rossi, Berk & Lenihan (1980) recidivism, financial aid randomised, weeks.
- gbsg2: German Breast Cancer Study Group 2, hormonal therapy yes/no, text covariates, days.
- diabetes: diabetic nephronephropathy onset, interval-censored (left, right], by gender.
"""

from __future__ import annotations

from pathlib import Path

from lifelines import datasets

OUT = Path("data/corpus")


def main() -> None:
    tables = {
        "rossi": datasets.load_rossi(),
        "gbsg2": datasets.load_gbsg2(),
        "diabetes": datasets.load_diabetes().reset_index(names="id"),
    }
    for name, frame in tables.items():
        (OUT / name).mkdir(parents=True, exist_ok=True)
        frame.to_csv(OUT / name / f"{name}.csv", index=False)
        print(f"{name:8} {len(frame):5d} rows {frame.shape[1]:2d} columns")


if __name__ == "__main__":
    main()
