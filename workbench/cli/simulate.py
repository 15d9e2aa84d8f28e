"""`workbench simulate --out DIR [--config FILE] [--seed N] [--n N] [--strategies-n N] [--if-missing]`."""

from __future__ import annotations

import argparse
from pathlib import Path


def _holds_dataset(folder: Path) -> bool:
    return any((folder / f"releases{ext}").exists() for ext in (".csv", ".xlsx", ".parquet"))


def run_simulate(args: argparse.Namespace) -> int:
    """Write a synthetic dataset with known truth into `args.out` and print one summary line."""
    from workbench._base import DEFAULT_SEED
    from workbench.simulate import simulate, write_simulation

    out = Path(args.out)
    if getattr(args, "if_missing", False) and _holds_dataset(out):
        print(f"{out} already holds a dataset; not simulating (drop --if-missing to overwrite).")
        return 0
    seed = DEFAULT_SEED if getattr(args, "seed", None) is None else args.seed
    sim = simulate(getattr(args, "config", None), seed=seed, n=getattr(args, "n", None))
    write_simulation(sim, out, strategies_n=getattr(args, "strategies_n", None))
    ds = sim.dataset
    ret = sim.truth["retention"]
    print(
        f"{len(ds.releases):,} releases, {len(ds.visits):,} visits, "
        f"{len(ds.interventions):,} support records, {len(ds.events):,} events → {out} "
        f"(seed {seed}; true retention 12/24/36 months {ret['12']:.3f}/{ret['24']:.3f}/"
        f"{ret['36']:.3f})"
    )
    return 0
