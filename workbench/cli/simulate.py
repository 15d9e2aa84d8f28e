"""`workbench simulate --out DIR [--config FILE] [--seed N] [--n N] [--strategies-n N] [--if-missing]`."""

from __future__ import annotations

import argparse
from pathlib import Path

FINGERPRINT = Path("truth") / "fingerprint.txt"


def _holds_dataset(folder: Path) -> bool:
    return any((folder / f"releases{ext}").exists() for ext in (".csv", ".xlsx", ".parquet"))


def _current(folder: Path, fingerprint: str) -> bool:
    """The folder was written by this simulator with these settings (its fingerprint matches)."""
    path = folder / FINGERPRINT
    return path.is_file() and path.read_text(encoding="utf-8").strip() == fingerprint


def run_simulate(args: argparse.Namespace) -> int:
    """Write a synthetic dataset with known truth into `args.out` and print one summary line."""
    from workbench._base import DEFAULT_SEED
    from workbench.data.write import atomic_write
    from workbench.simulate import simulate, write_simulation
    from workbench.simulate.config import fingerprint

    out = Path(args.out)
    seed = DEFAULT_SEED if getattr(args, "seed", None) is None else args.seed
    config, n = getattr(args, "config", None), getattr(args, "n", None)
    mark = fingerprint(config, seed, n)
    if getattr(args, "if_missing", False) and _holds_dataset(out):
        if _current(out, mark):
            print(f"{out} already holds this simulation; not simulating again.")
            return 0
        print(
            f"{out} holds data from an older simulator or other settings; simulating again "
            "(its tables are overwritten)."
        )
    sim = simulate(config, seed=seed, n=n)
    write_simulation(sim, out, strategies_n=getattr(args, "strategies_n", None))
    atomic_write(out / FINGERPRINT, mark + "\n")
    ds = sim.dataset
    ret = sim.truth["retention"]
    print(
        f"{len(ds.releases):,} releases, {len(ds.visits):,} visits, "
        f"{len(ds.interventions):,} support records, {len(ds.events):,} events → {out} "
        f"(seed {seed}; true retention 12/24/36 months {ret['12']:.3f}/{ret['24']:.3f}/"
        f"{ret['36']:.3f})"
    )
    return 0
