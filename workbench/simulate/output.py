"""Writing a simulation to a dataset folder (`workbench simulate` is workbench.cli.simulate)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from workbench.data.write import atomic_path, atomic_write
from workbench.simulate.core import Simulation
from workbench.simulate.strategies import strategy_truth

TABLES = ("releases", "visits", "interventions", "events")
_DATE_COLUMNS = {
    "releases": ("release_date",),
    "visits": ("visit_date",),
    "interventions": ("start_date", "end_date"),
    "events": ("event_date",),
}
_WHOLE_NUMBERS = {"visits": ("scheduled_month", "employed"), "interventions": ("amount",)}


def _csv_frame(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    out = frame.copy()
    for col in _DATE_COLUMNS[table]:
        days = out[col].to_numpy().astype("datetime64[D]")
        text = np.datetime_as_string(days, unit="D").astype(object)
        text[np.isnat(days)] = ""  # a missing date is an empty field
        out[col] = text
    for col in _WHOLE_NUMBERS.get(table, ()):
        if col in out:
            out[col] = out[col].round().astype("Int64")
    return out


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")


def write_simulation(
    sim: Simulation, out_dir: str | os.PathLike, strategies_n: int | None = 0
) -> Path:
    """Write the dataset (CSV tables + dataset.yaml) and truth/ into `out_dir`; return it.

    strategies_n: releases for truth/strategies.csv (the target-trial strategies' counterfactual
    truth, workbench.simulate.strategies); None = the config's counterfactual.n; 0 = not written
    (it takes seconds per 10,000 releases)."""
    out = Path(out_dir)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    ds = sim.dataset
    for table in TABLES:
        _write_csv(_csv_frame(getattr(ds, table), table), out / f"{table}.csv")
    meta = {
        "name": sim.config["name"],
        "cutoff": ds.cutoff.strftime("%Y-%m-%d"),
        "description": f"{sim.config['description'].strip()} Seed {sim.truth['seed']}.",
        "status": "simulated",  # every report on these data says so, on every page
    }
    atomic_write(out / "dataset.yaml", yaml.safe_dump(meta, sort_keys=False, allow_unicode=True))
    _write_csv(sim.truth_table, out / "truth" / "truth_table.csv")
    truth = sim.truth
    if strategies_n is None or strategies_n > 0:
        table, mc = strategy_truth(sim.config, n=strategies_n)
        _write_csv(table, out / "truth" / "strategies.csv")
        truth = {**truth, "strategies_monte_carlo": mc}
    text = json.dumps(truth, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    atomic_write(out / "truth" / "truth.json", text)
    return out
