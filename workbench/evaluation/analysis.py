"""The report's heavy computation, done once per (data, code version, analysis parameters).

`analyse(params)` loads the data, builds the cohort for the report's scope and runs every
analysis the library provides; the result is a `ReportResults` of plain tables and numbers,
cached on disk so the Chinese and English reports of one scope compute once and render twice
(issue 8 item 5), and `workbench report` reads the same object to write metrics.json.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from workbench import __version__, cache, console
from workbench.data import yamlsafe
from workbench.data.io import load_any, load_dataset
from workbench.evaluation.results import ReportResults
from workbench.exceptions import ParameterError
from workbench.params.report import ReportParams, missing_data

CACHE_ENV = cache.CACHE_ENV
# Set by `build_report` for the kernel it starts: the notebook then uses the parent's cache key
# even if source files change while the report runs.
CODE_VERSION_ENV = "WORKBENCH_CODE_VERSION"
CACHE_FORMAT = 4  # 3: the cohort contract (i14a); 4: entries HMAC-signed (workbench/cache.py)


def code_version() -> str:
    """sha256 over the workbench package's source files: a change of code invalidates caches."""
    return os.environ.get(CODE_VERSION_ENV) or _source_hash()


@functools.cache
def _source_hash() -> str:
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_data(params: ReportParams) -> Any:
    """The dataset (folder → Dataset, .yaml spec → SpecDataset) with our errors; `analyse`
    builds its one `AnalysisCohort` (workbench.cohort.contract) from it."""
    path = Path(params.data)
    if not path.exists():
        raise ParameterError(missing_data(params.data, params.data_against))
    cutoff = params.cutoff.isoformat() if params.cutoff else None
    if path.suffix in (".yaml", ".yml"):
        return load_any(str(path))
    return load_dataset(str(path), cutoff=cutoff)


def data_sha256(params: ReportParams) -> dict[str, str]:
    """sha256 of each input file under the data path (cheap; used as the cache key)."""
    path = Path(params.data)
    files = [path] if path.is_file() else sorted(p for p in path.iterdir() if p.is_file())
    out = {}
    for f in files:
        stat = f.stat()
        digest = _file_sha256(str(f.resolve()), stat.st_size, stat.st_mtime_ns)
        out[str(f.relative_to(path.parent if path.is_file() else path))] = digest
    if path.is_file():
        out.update(_spec_table_sha(path))
    return out


# Set by `build_report` for the kernel it starts: the hashes the parent computed, so the kernel
# finds the cached analyses without reading the data again (0.7 GB at 2.3 M releases).
FILE_HASHES_ENV = "WORKBENCH_FILE_HASHES"
_HASHED: dict[str, tuple[int, int, str]] = {}  # path -> (size, mtime_ns, sha256), this process


def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    """sha256 of a file, computed once per process (or taken from the parent's
    $WORKBENCH_FILE_HASHES) while its size and modification time stay the same (a report keys
    its cache several times; at 2.3 M releases the data are 0.7 GB)."""
    known = _HASHED.get(path) or _inherited_hashes().get(path)
    if known is not None and tuple(known[:2]) == (size, mtime_ns):
        return str(known[2])
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    _HASHED[path] = (size, mtime_ns, h.hexdigest())
    return h.hexdigest()


@functools.cache
def _inherited_hashes() -> dict[str, list]:
    try:
        got = json.loads(os.environ.get(FILE_HASHES_ENV) or "{}")
    except ValueError:
        return {}
    return got if isinstance(got, dict) else {}


def file_hashes_json() -> str:
    """The file hashes this process knows, for a child's $WORKBENCH_FILE_HASHES."""
    return json.dumps(_HASHED, sort_keys=True)


def _spec_table_sha(spec: Path) -> dict[str, str]:
    try:
        table = (yamlsafe.load(spec) or {}).get("table")
    except (ParameterError, AttributeError):
        return {}
    target = spec.parent / str(table) if table else None
    if target is None or not target.is_file():
        return {}
    stat = target.stat()
    return {target.name: _file_sha256(str(target.resolve()), stat.st_size, stat.st_mtime_ns)}


def cache_key(params: ReportParams) -> str:
    parts = {
        "format": CACHE_FORMAT,
        "code": code_version(),
        "data": data_sha256(params),
        "params": params.analysis_key(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def inputs_sha256(params: ReportParams) -> str:
    """sha256 of the code version and the input files (no parameters): published in
    metrics.json so a batch can tell an up-to-date report. It is not the cache key, and the
    cache's file names are keyed by a secret (workbench/cache.py), so it names no cache entry."""
    parts = {"code": code_version(), "data": data_sha256(params)}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def analyse(
    params: ReportParams,
    use_cache: bool = True,
    scheduler: Any = None,
    only: tuple[str, ...] | None = None,
) -> ReportResults:
    """Run the report's analyses for `params` (cached by data hash, code version, parameters).
    `scheduler`: where bootstrap replicates run (a Dask address or Client; not in the key).
    `only`: just these sections (`contract.analyse_cohort`), cached under their own entry and
    lock; the whole analysis serves them when it is cached (a prefecture report's province
    benchmark does not wait for the whole province analysis another report is computing)."""
    if not Path(params.data).exists():
        raise ParameterError(missing_data(params.data, params.data_against))
    if not use_cache:
        return _compute(params, scheduler, only)
    with console.stage("cache"):  # hashing the input files is most of it
        whole = cache_key(params)
        keys = [whole] if only is None else [whole, part_key(whole, only)]
        cached = _first_cached(keys)
    if cached is not None:
        console.note("analyses: cached by an earlier run with the same data and parameters")
        return cached
    # One computation per entry: a process that missed it waits for whoever computes it (the
    # province report and a prefecture's province benchmark starting together), then reads it.
    with cache.locked(keys[-1]):
        with console.stage("cache"):
            cached = _first_cached(keys)
        if cached is not None:
            console.note("analyses: computed by a concurrent run with the same data and parameters")
            return cached
        results = _compute(params, scheduler, only)  # absent, damaged or planted: recomputed
        with console.stage("cache"):
            cache.store(keys[-1], results)
    return results


def part_key(key: str, only: tuple[str, ...]) -> str:
    """The cache entry of some sections of the analysis with cache key `key`."""
    return hashlib.sha256(f"{key}\0only\0{','.join(sorted(only))}".encode()).hexdigest()


def _first_cached(keys: list[str]) -> ReportResults | None:
    for key in keys:
        got = cache.load(key)
        if isinstance(got, ReportResults):
            return got
    return None


def _compute(
    params: ReportParams, scheduler: Any = None, only: tuple[str, ...] | None = None
) -> ReportResults:
    """Load, then every analysis (each a `console.stage`: timed and shown)."""
    # the analysis stack is imported here: a cache hit (the report kernel) never loads it
    from workbench.evaluation.contract import analyse_cohort

    with console.stage("load"):
        data = load_data(params)
    return analyse_cohort(data, params, scheduler=scheduler, only=only)
