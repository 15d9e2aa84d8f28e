"""The report cache key follows the data files: a changed file gives a new key (hashes are
remembered per process only while a file's size and modification time stay the same)."""

from __future__ import annotations

import hashlib
import os

from workbench.evaluation import analysis
from workbench.params.report import ReportParams


def _params(folder) -> ReportParams:
    return ReportParams.from_mapping({"data": str(folder), "name": "t", "lang": "zh"})


def test_data_sha256_is_the_file_hash_and_follows_a_change(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    table = folder / "releases.csv"
    table.write_bytes(b"release_id\nR1\n")
    first = analysis.data_sha256(_params(folder))
    assert first == {"releases.csv": hashlib.sha256(b"release_id\nR1\n").hexdigest()}
    key = analysis.cache_key(_params(folder))
    assert analysis.cache_key(_params(folder)) == key
    table.write_bytes(b"release_id\nR2\n")  # same size: the modification time tells
    stat = table.stat()
    os.utime(table, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    second = analysis.data_sha256(_params(folder))
    assert second == {"releases.csv": hashlib.sha256(b"release_id\nR2\n").hexdigest()}
    assert analysis.cache_key(_params(folder)) != key


def test_kernel_takes_the_parents_hashes_only_for_the_same_file_state(tmp_path):
    """`build_report` hands its file hashes to the kernel ($WORKBENCH_FILE_HASHES): a hash is
    used only while the file's size and modification time are those the parent hashed."""
    import json
    import subprocess
    import sys

    folder = tmp_path / "d"
    folder.mkdir()
    table = folder / "releases.csv"
    table.write_bytes(b"release_id\nR1\n")
    stat = table.stat()
    code = (
        "from workbench.evaluation import analysis\n"
        "from workbench.params.report import ReportParams\n"
        f"p = ReportParams.from_mapping({{'data': {str(folder)!r}, 'name': 't'}})\n"
        "print(analysis.data_sha256(p)['releases.csv'])"
    )

    def child(mtime_ns: int) -> str:
        given = {str(table.resolve()): [stat.st_size, mtime_ns, "parent-hash"]}
        env = {**os.environ, analysis.FILE_HASHES_ENV: json.dumps(given)}
        run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True)  # fmt: skip
        return run.stdout.strip()

    assert child(stat.st_mtime_ns) == "parent-hash"  # not read again
    assert child(stat.st_mtime_ns + 1) == hashlib.sha256(b"release_id\nR1\n").hexdigest()
    parent = json.loads(
        analysis.file_hashes_json() if analysis.data_sha256(_params(folder)) else ""
    )
    assert parent[str(table.resolve())] == [
        stat.st_size,
        stat.st_mtime_ns,
        child(stat.st_mtime_ns + 1),
    ]
