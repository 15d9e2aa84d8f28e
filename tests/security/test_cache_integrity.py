"""Red-team attacks on the report's analysis cache (issue 15 item 3, docs/disclosure.md).

The cache holds raw counts, so it must be private (0700 folder, 0600 files), its entries'
names unguessable from anything published, and a planted or damaged entry never unpickled.
"""

from __future__ import annotations

import json
import os
import pickle
import stat
from pathlib import Path

import pytest

from workbench import cache
from workbench.evaluation import analysis
from workbench.exceptions import ReportError
from workbench.params.report import ReportParams
from workbench.reporting import metrics as metrics_mod


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(folder))
    return folder


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_folder_key_and_entries_are_private(cache_dir):
    path = cache.store("k1", {"n_relapses": 3})
    assert _mode(cache_dir) == 0o700
    assert _mode(cache_dir / cache.KEY_FILE) == 0o600
    assert _mode(path) == 0o600
    assert cache.load("k1") == {"n_relapses": 3}
    assert not [p for p in cache_dir.iterdir() if p.name.startswith(".")]  # no temporary left


def test_open_folder_of_ours_is_closed_and_old_plain_pickles_dropped(cache_dir):
    cache_dir.mkdir(mode=0o755)
    os.chmod(cache_dir, 0o755)
    old = cache_dir / ("0" * 64 + ".pkl")
    old.write_bytes(pickle.dumps({"n": 3}))
    cache.store("k", 1)
    assert _mode(cache_dir) == 0o700 and not old.exists()


def test_entry_name_is_keyed_by_the_secret_not_the_cache_key(cache_dir, monkeypatch):
    path = cache.store("abc", 1)
    assert "abc" not in path.name
    monkeypatch.setenv(cache.CACHE_ENV, str(cache_dir.parent / "other"))
    assert cache.store("abc", 1).name != path.name  # another machine key, another name


class _Boom:
    def __reduce__(self):
        return (Path.touch, (Path(os.environ["BOOM_MARK"]),))


def test_planted_pickle_is_never_unpickled(cache_dir, tmp_path, monkeypatch):
    mark = tmp_path / "owned"
    monkeypatch.setenv("BOOM_MARK", str(mark))
    path = cache.store("victim", {"ok": 1})
    plant = pickle.dumps(_Boom())
    for blob in (plant, cache.MAGIC + b"\0" * 32 + plant, path.read_bytes()[:40] + plant):
        path.write_bytes(blob)
        os.chmod(path, 0o600)
        assert cache.load("victim") is None
        assert not mark.exists(), "a planted pickle ran code"
        assert not path.exists()  # the bad entry is removed


def test_damaged_entry_is_recomputed(cache_dir, tmp_path, monkeypatch):
    params = ReportParams.from_mapping({"data": str(tmp_path), "name": "t"})
    calls = []
    fake = analysis.ReportResults("spec", "s", "relapse", {}, None, (None, None), {"n": 1})

    def compute(p, scheduler=None, only=None):
        calls.append(1)
        return fake

    monkeypatch.setattr(analysis, "_compute", compute)
    assert analysis.analyse(params) == fake and analysis.analyse(params) == fake
    assert len(calls) == 1  # the second came from the cache
    (entry,) = cache_dir.glob(f"*{cache.SUFFIX}")
    blob = bytearray(entry.read_bytes())
    blob[-5] ^= 0xFF  # one flipped bit in the payload
    entry.write_bytes(bytes(blob))
    assert analysis.analyse(params) == fake and len(calls) == 2
    entry.write_bytes(b"")  # truncated
    assert analysis.analyse(params) == fake and len(calls) == 3


def test_entry_readable_by_others_is_not_trusted(cache_dir):
    path = cache.store("k", 1)
    os.chmod(path, 0o644)
    assert cache.load("k") is None


def test_symlinked_entry_is_not_followed(cache_dir, tmp_path):
    path = cache.store("k", 1)
    target = tmp_path / "elsewhere"
    target.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(target)
    assert cache.load("k") is None


def test_key_readable_by_others_is_refused(cache_dir):
    cache.store("k", 1)
    os.chmod(cache_dir / cache.KEY_FILE, 0o644)
    with pytest.raises(ReportError, match=r"cache key cache.key .* readable by others"):
        cache.load("k")


def test_damaged_key_is_refused(cache_dir):
    cache.store("k", 1)
    (cache_dir / cache.KEY_FILE).write_bytes(b"short")
    with pytest.raises(ReportError, match="damaged"):
        cache.load("k")


def test_no_cache_key_in_metrics_provenance(cache_dir, tmp_path):
    """metrics.json names no cache entry: no `inputs_key`, and neither the cache key nor an
    entry's file name appears anywhere in the document."""
    assert "inputs_key" not in metrics_mod.PROVENANCE_KEYS
    params = ReportParams.from_mapping({"data": str(tmp_path), "name": "t"})
    key = analysis.cache_key(params)
    fingerprint = analysis.inputs_sha256(params)
    assert fingerprint != key
    folder = cache.private_dir()
    name = cache.entry_path(folder, cache.machine_key(folder), key).stem
    prov = {"inputs_sha256": fingerprint, "params_sha256": params.sha256()}
    text = json.dumps({k: prov.get(k) for k in metrics_mod.PROVENANCE_KEYS})
    assert key not in text and name not in text


def test_concurrent_misses_compute_once_behind_a_private_lock(cache_dir, tmp_path, monkeypatch):
    """The province report and a prefecture's province benchmark starting together: the second
    waits on the entry's lock and reads what the first stored (issue 22). flock locks belong to
    the open file, so two threads of one process contend like two processes do."""
    import threading
    import time

    params = ReportParams.from_mapping({"data": str(tmp_path), "name": "t"})
    fake = analysis.ReportResults("spec", "s", "relapse", {}, None, (None, None), {"n": 1})
    calls = []

    def compute(p, scheduler=None, only=None):
        calls.append(1)
        time.sleep(0.5)  # long enough for the other thread to miss the cache and reach the lock
        return fake

    monkeypatch.setattr(analysis, "_compute", compute)
    got = []
    threads = [threading.Thread(target=lambda: got.append(analysis.analyse(params)))
               for _ in range(2)]  # fmt: skip
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert got == [fake, fake] and len(calls) == 1
    (lock,) = cache_dir.glob(f"*{cache.LOCK_SUFFIX}")
    assert _mode(lock) == 0o600
    assert analysis.cache_key(params) not in lock.name  # named by the secret, like the entries
