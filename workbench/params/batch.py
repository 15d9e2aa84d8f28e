"""Batch files: `defaults` merged into each of the `runs`, every run a checked `ReportParams`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from workbench.data import yamlsafe
from workbench.exceptions import ParameterError
from workbench.params.base import Origin, located, shown, suggest
from workbench.params.files import child, key_lines, node_lines, read_mapping
from workbench.params.report import ReportParams

BATCH_KEYS = ("name", "out", "defaults", "runs")


@dataclass(frozen=True)
class BatchRun:
    """One report in a batch: its output folder name and its validated parameters.

    ``error`` holds the parameter error message when the run's parameters are invalid: the
    batch reports it as a failed run and runs the others.
    """

    run_id: str
    params: ReportParams | None
    raw: Mapping[str, Any]
    error: str | None = None


@dataclass(frozen=True)
class BatchSpec:
    name: str
    out: Path
    runs: tuple[BatchRun, ...]


def load_batch(path: str | Path) -> BatchSpec:
    """Read a batch file: ``defaults`` (merged into each run) and ``runs``.

    Each run is a mapping of report parameters, optionally with ``params: FILE`` (a report
    parameter file, relative to the batch file) whose keys the run's own keys override.
    """
    path = Path(path)
    d = read_mapping(path)
    node = yamlsafe.compose(path)
    unknown = sorted(set(d) - set(BATCH_KEYS))
    if unknown:
        raise ParameterError(
            located(
                Origin(str(path), node_lines(node)),
                unknown[0],
                f"unknown key {shown(unknown[0])}; valid keys are: {', '.join(BATCH_KEYS)}"
                + suggest(str(unknown[0]), BATCH_KEYS),
            )
        )
    runs = d.get("runs")
    if not isinstance(runs, list) or not runs:
        raise ParameterError(f"{path}: runs must be a non-empty list of report parameter sets")
    defaults = d.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ParameterError(f"{path}: defaults must be a mapping of report parameters")
    _check_run_keys(path, node, defaults, runs)
    out = Path(d.get("out") or Path("reports") / str(d.get("name") or path.stem))
    lines = _run_lines(node, len(runs))
    parsed = [_batch_run(path, i, defaults, r, lines[i - 1]) for i, r in enumerate(runs, start=1)]
    ids = [r.run_id for r in parsed]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ParameterError(
            f"{path}: two runs are both named {dup[0]!r}; give each run its own name"
        )
    return BatchSpec(name=str(d.get("name") or path.stem), out=out, runs=tuple(parsed))


def _check_run_keys(path: Path, node: Any, defaults: dict, runs: list) -> None:
    """A misspelt key in `defaults` or a run stops the whole batch before anything runs: it is
    the same mistake in every rerun (bad values stay failures of their own run)."""
    valid = ReportParams.field_names()
    where = [("defaults", defaults, node_lines(child(node, "defaults")))]
    run_nodes = child(node, "runs")
    for i, run in enumerate(runs, start=1):
        run_node = run_nodes.value[i - 1] if isinstance(run_nodes, yaml.SequenceNode) else None
        if isinstance(run, dict):
            where.append((f"run {i}", run, node_lines(run_node)))
    for label, mapping, lines in where:
        unknown = sorted(set(mapping) - {*valid, "params"})
        if unknown:
            key = str(unknown[0])
            text = (
                f"{label}: unknown parameter {shown(key)} (the batch was not started); valid "
                f"parameters are: {', '.join(valid)}{suggest(key, valid)}"
            )
            raise ParameterError(located(Origin(str(path), lines), key, text))


def _run_lines(node: Any, n: int) -> list[dict[str, int]]:
    """Per run: the line of each key (the run's own, else its default's)."""
    defaults = node_lines(child(node, "defaults"))
    runs = child(node, "runs")
    items = runs.value if isinstance(runs, yaml.SequenceNode) else []
    return [{**defaults, **(node_lines(items[i]) if i < len(items) else {})} for i in range(n)]


def _batch_run(
    path: Path, i: int, defaults: dict, run: Any, lines: Mapping[str, int] | None = None
) -> BatchRun:
    source = f"{path} run {i}"
    if not isinstance(run, dict):
        return BatchRun(f"run{i:02d}", None, {}, f"{source}: expected a mapping of parameters")
    merged = _resolve_data(dict(defaults), path.parent)
    try:
        lines, files = dict(lines or {}), {}
        file = run.get("params")
        if file is not None:
            fpath = (path.parent / str(file)).resolve()
            from_file = read_mapping(fpath)
            merged.update(_resolve_data(from_file, fpath.parent))
            file_lines = key_lines(fpath)
            for key in set(from_file) - set(run):  # its mistake is in the params file
                files[key] = f"{fpath} (params of {source})"
                lines[key] = file_lines.get(key, 0)
        own = {k: v for k, v in run.items() if k != "params"}
        merged.update(_resolve_data(own, path.parent))
        run_id = _run_id(merged, i)
        params = ReportParams.from_mapping(merged, source=Origin(source, lines, files))
        return BatchRun(run_id, params, merged)
    except ParameterError as err:
        return BatchRun(_run_id(merged, i), None, merged, str(err))


def _resolve_data(d: dict, folder: Path) -> dict:
    data = d.get("data")
    if isinstance(data, str) and data and not Path(data).is_absolute():
        d["data"] = str((folder / data).resolve())
    return d


def _run_id(merged: Mapping[str, Any], i: int) -> str:
    name = str(merged.get("name") or f"run{i:02d}")
    lang = merged.get("lang", "zh")
    rid = f"{name}_{lang}" if not name.endswith(f"_{lang}") else name
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in rid)
