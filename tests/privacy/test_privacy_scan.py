"""Privacy scan of a batch (issue #7 item 4): no release/person id from the input and no count
below the suppression threshold in any official output (report.pdf, report.html, metrics.json,
summary.csv, index.html); the executed notebooks, which may show more, are marked internal.

The scanner is a small helper here with its own test that plants an id and small counts, so a
scan that silently finds nothing would fail that test first.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pypdf
import pytest
from support import make_dataset

from workbench.evaluation.analysis import CODE_VERSION_ENV, code_version
from workbench.i18n import TEXT
from workbench.params.report import ReportParams
from workbench.reporting.batch import public_error
from workbench.reporting.execute import NOTEBOOK_ENV

THRESHOLD = 10  # the default suppression threshold the batch runs with
UNKNOWN_ID = "R2099X999999"
# The provenance appendix lists the run's parameters (by key, or by their translated labels):
# parameter values, not counts of people.
PARAMETERS = {f.name for f in dataclasses.fields(ReportParams)} | {
    label for key, labels in TEXT.items() if key.startswith("param_") for label in labels.values()
}
_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)"
_PEOPLE_EN = (
    r"people|persons?|individuals?|releases?|released|relapses?|relapsed|deaths?|died|cases?|"
    r"exposed|participants?|men|women|visits?|contacts?|records?|rows?|transferred|lost"
)
# lower case on purpose: "5 relapses" is a count, "… 5\nRelapse risk factors" a page number
_EN = re.compile(rf"(?<![\w.,<>≥≤-]){_NUM}((?:\s+[a-z-]+){{0,2}}?)\s+({_PEOPLE_EN})\b")
_NOT_BETWEEN = {"month", "months", "year", "years", "day", "days", "week", "weeks", "after",
                "since", "per", "of", "in", "from", "before", "by", "at", "to", "within"}  # fmt: skip
_ZH = re.compile(rf"(?<![\d.,<>≥≤]){_NUM}\s*(人次|人|名|例)")
_N_EQ = re.compile(rf"\bn\s*=\s*{_NUM}")
_TIME_HEADER = re.compile(r"月|年|天|周|month|year|day|week|time", re.I)


def small_counts_in_text(text: str, threshold: int = THRESHOLD) -> list[str]:
    """Counts of people below `threshold` in running text ("3 people", "复吸3人", "n = 4")."""
    found = []
    spaced = re.sub(r"\s+", " ", text)
    for variant in (spaced, re.sub(r"\s*\n\s*", "", text)):
        # English across a line break needs its space ("6 months\nof release" is not "6
        # monthsof release"); lines joined without one are for Chinese only
        for m in _EN.finditer(variant) if variant is spaced else ():
            words = {w.lower() for w in m.group(2).split()}
            if not words & _NOT_BETWEEN and int(m.group(1).replace(",", "")) < threshold:
                found.append(m.group(0))
        for pattern in (_ZH, _N_EQ):
            found += [m.group(0) for m in pattern.finditer(variant)
                      if int(m.group(1).replace(",", "")) < threshold]  # fmt: skip
    return sorted(set(found))


class _Tables(HTMLParser):
    """Every <table> as rows of (is_header, text) cells; text inside <svg> is skipped."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell, self._svg = [], None, 0

    def handle_starttag(self, tag, attrs):
        if tag == "svg":
            self._svg += 1
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self._cell = [tag == "th", ""]

    def handle_endtag(self, tag):
        if tag == "svg":
            self._svg -= 1
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append((self._cell[0], self._cell[1].strip()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None and not self._svg:
            self._cell[1] += data


def small_counts_in_tables(page: str, threshold: int = THRESHOLD) -> list[str]:
    """Whole-number table cells below `threshold` (columns headed by a time unit aside)."""
    parser = _Tables()
    parser.feed(page)
    found = []
    for table in parser.tables:
        header = next((r for r in table if r and all(h for h, _ in r)), [])
        for row in table:
            for i, (is_header, text) in enumerate(row):
                head = header[i][1] if i < len(header) else ""
                if is_header or _TIME_HEADER.search(head) or not re.fullmatch(r"[\d,]+", text):
                    continue
                if row[0][1] in PARAMETERS:  # the provenance table's parameter values
                    continue
                if int(text.replace(",", "")) < threshold:
                    found.append(f"{head}: {text}")
    return found


def ids_in_text(text: str, ids: set[str]) -> list[str]:
    """Input ids found in `text`, also across line breaks (PDF text wraps anywhere)."""
    joined = re.sub(r"\s+", "", text)
    return sorted(i for i in ids if i in text or i in joined)


def _small_count_fields(value, path: str, threshold: int, found: list[str]) -> None:
    """Count fields (n, n_*, tier counts) below `threshold` anywhere under `value`."""
    if isinstance(value, dict):
        for key, v in value.items():
            _small_count_fields(v, f"{path}.{key}", threshold, found)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _small_count_fields(v, f"{path}[{i}]", threshold, found)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        key = path.rsplit(".", 1)[-1]
        is_count = key == "n" or key.startswith("n_") or ".n_censored." in path
        is_tier = path.startswith("$.tiers.") and key in ("observed", "projected")
        if (is_count or is_tier) and value < threshold:
            found.append(f"{path} = {value}")


def small_counts_in_metrics(m: dict, threshold: int = THRESHOLD) -> list[str]:
    """metrics.json count fields (n, n_*, tier counts) below `threshold`; rates of suppressed
    regions; small counts in the notes."""
    found: list[str] = []
    _small_count_fields({k: v for k, v in m.items() if k != "provenance"}, "$", threshold, found)
    for r in m.get("regions", []):
        if r["n"] is None and (r["observed"] is not None or r["expected"] is not None):
            found.append(f"regions.{r['code']}: rate of a suppressed group")
        for key in ("observed", "expected"):
            if r["n"] is not None and small_rate(r[key], r["n"], threshold):
                found.append(f"regions.{r['code']}.{key}: rate with fewer than {threshold} behind")
    if m["data"]["n_releases"] is None and (m["coverage"] is not None or m["retention"]):
        found.append("coverage/retention: rate of a suppressed scope")
    for r in m.get("retention", []):
        if small_rate(r["estimate"], m["data"]["n_releases"], threshold):
            found.append(f"retention.{r['months']:g}: rate with fewer than {threshold} behind")
    if "inputs_key" in m.get("provenance", {}):
        found.append("provenance.inputs_key: the analysis cache key is published")
    for note in m.get("notes", []):
        found += [f"notes: {s}" for s in small_counts_in_text(note, threshold)]
    return found


def small_rate(p, n, threshold: int = THRESHOLD) -> bool:
    """A published proportion p of n people whose implied numerator n·p or complement
    n·(1 − p) is below the threshold (docs/disclosure.md: such rates are withheld)."""
    if p is None or n is None or pd.isna(p) or pd.isna(n):
        return False
    eps = 1e-9 * max(float(n), 1.0)
    return bool(n * p < threshold - eps or n * (1 - p) < threshold - eps)


def cache_names_in(text: str, cache_dir: Path) -> list[str]:
    """Names of analysis-cache entries (and the cache's key) that appear in `text`."""
    key = cache_dir / "cache.key"
    # entries are named by keyed hashes; the key file's own name ("cache") is no secret (a report's
    # provenance names its "cache" stage), its content is
    names = [p.stem for p in cache_dir.glob("*") if p.is_file() and p != key]
    secret = key.read_bytes().hex() if key.is_file() else None
    return [n for n in names + [secret] if n and n in text]


def page_text(page: str) -> str:
    """The visible text of an HTML page (styles and figures removed)."""
    page = re.sub(r"<(style|svg|script)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def pdf_text(path: Path) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(str(path)).pages)


def scan_output(path: Path, ids: set[str], threshold: int = THRESHOLD) -> list[str]:
    """Findings (ids, small counts) in one official output file."""
    raw = path.read_text("utf-8") if path.suffix != ".pdf" else pdf_text(path)
    found = [f"id {i}" for i in ids_in_text(raw, ids)]
    if path.suffix == ".json":
        found += small_counts_in_metrics(json.loads(raw), threshold)
    elif path.suffix == ".html":
        found += small_counts_in_text(page_text(raw), threshold)
        found += small_counts_in_tables(raw, threshold)
    elif path.suffix == ".csv":
        table = pd.read_csv(path)
        found += [f"n_releases = {n}" for n in table["n_releases"].dropna() if n < threshold]
        rates = table.loc[table["n_releases"].isna(), ["coverage", "retention_12", "retention_24"]]
        found += [f"{rid}: rate of a suppressed scope" for rid in
                  table.loc[rates.index[rates.notna().any(axis=1)], "run_id"]]  # fmt: skip
        for col in ("retention_12", "retention_24"):
            found += [f"{r['run_id']}: {col} with fewer than {threshold} behind"
                      for _, r in table.iterrows()
                      if small_rate(r[col], r["n_releases"], threshold)]  # fmt: skip
    else:
        found += small_counts_in_text(raw, threshold)
    return [f"{path.name}: {f}" for f in found]


def test_scanner_catches_planted_ids_and_small_counts(tmp_path):
    ids = {"R2019X000123", "430102198501010042"}
    clean = (
        "<p>Of 1,234 people released, 284 relapsed; <10 people died. 12 months after release, "
        "47.2% were abstinent (n = 500).</p><p>共500人，其中复吸284人，死亡&lt;10人。</p>"
        "<table><tr><th>area</th><th>people</th><th>months</th></tr>"
        "<tr><td>Changsha</td><td>71</td><td>6</td></tr><tr><td>Loudi</td><td>&lt;10</td>"
        "<td>12</td></tr></table>"
    )
    (tmp_path / "clean.html").write_text(clean, "utf-8")
    assert scan_output(tmp_path / "clean.html", ids) == []
    planted = clean.replace("Loudi", "R2019X000123").replace("&lt;10</td>", "7</td>")
    planted = planted.replace("<10 people died", "3 people died").replace("死亡&lt;10人", "死亡4人")
    planted += "<p>n = 2; person 43010219850\n1010042</p>"
    (tmp_path / "planted.html").write_text(planted, "utf-8")
    found = scan_output(tmp_path / "planted.html", ids)
    assert found == [
        "planted.html: id 430102198501010042",  # across a line break
        "planted.html: id R2019X000123",
        "planted.html: 3 people",
        "planted.html: 4人",
        "planted.html: n = 2",
        "planted.html: people: 7",
    ]
    m = {"data": {"n_releases": 500, "n_relapses": 4, "n_censored": {"lost": 9, "cutoff": None}},
         "tiers": {"3": {"observed": None, "projected": 8.5, "target": 100.0}},
         "regions": [{"code": "loudi", "n": None, "observed": 0.5, "expected": 0.4},
                     {"code": "yiyang", "n": 11, "observed": 0.5, "expected": 0.4},
                     {"code": "xiangtan", "n": 200, "observed": 0.5, "expected": 0.4}],
         "suppressed": 3, "notes": ["positivity: 5 people have a propensity below 0.01"],
         "provenance": {"duration_s": 1.0, "inputs_key": "ab" * 32}}  # fmt: skip
    retention = [{"months": 12, "estimate": 0.5}, {"months": 36, "estimate": 0.99}]
    (tmp_path / "metrics.json").write_text(json.dumps({**m, "coverage": 0.9,
                                                       "retention": retention}))  # fmt: skip
    assert scan_output(tmp_path / "metrics.json", ids) == [
        "metrics.json: $.data.n_relapses = 4",
        "metrics.json: $.data.n_censored.lost = 9",
        "metrics.json: $.tiers.3.projected = 8.5",
        "metrics.json: regions.loudi: rate of a suppressed group",
        "metrics.json: regions.yiyang.observed: rate with fewer than 10 behind",
        "metrics.json: regions.yiyang.expected: rate with fewer than 10 behind",
        "metrics.json: retention.36: rate with fewer than 10 behind",
        "metrics.json: provenance.inputs_key: the analysis cache key is published",
        "metrics.json: notes: 5 people",
    ]
    tiny = {"data": {"n_releases": None}, "coverage": 0.8, "retention": [], "notes": []}
    (tmp_path / "metrics.json").write_text(json.dumps(tiny), "utf-8")
    assert scan_output(tmp_path / "metrics.json", ids) == [
        "metrics.json: coverage/retention: rate of a suppressed scope"
    ]
    summary = pd.DataFrame({"run_id": ["a", "b", "c", "d"], "n_releases": [500, 7, None, 12],
                            "coverage": [0.8, None, 0.75, None],
                            "retention_12": [0.5, None, None, 0.5],
                            "retention_24": [0.4, None, None, None]})  # fmt: skip
    summary.to_csv(tmp_path / "summary.csv", index=False)
    assert scan_output(tmp_path / "summary.csv", ids) == [
        "summary.csv: n_releases = 7.0",
        "summary.csv: c: rate of a suppressed scope",
        "summary.csv: d: retention_12 with fewer than 10 behind",
    ]


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("visits.csv row 7: release_id R2019X000123 is not in releases.csv (expected an id listed "
         "in releases.csv); correct the id or add the release.",
         "visits.csv row 7: release_id [value] is not in releases.csv (expected an id listed "
         "in releases.csv); correct the id or add the release."),
        ("releases.csv row 3 (and 2 more rows): release_id R 1 appears again (first in row 2) "
         "(expected each release_id once); drop the repeated row.",
         "releases.csv row 3 (and 2 more rows): release_id [value] appears again (first in "
         "row 2) (expected each release_id once); drop the repeated row."),
        ("releases.csv row 5: person_id is empty (expected an id); fill it in.",
         "releases.csv row 5: person_id is empty (expected an id); fill it in."),
        ("timed out after 3 s", "timed out after 3 s"),
    ],
)  # fmt: skip
def test_batch_files_hide_ids_in_error_messages(message, shown):
    assert public_error(message) == shown


def rewrite_ids(folder: Path) -> set[str]:
    """Give releases ids like R2019X000123 and persons 18-digit resident-ID-like numbers."""
    releases = pd.read_csv(folder / "releases.csv", dtype=str)
    year = releases["release_date"].str[:4]
    labels = [f"R{y}X{i:06d}" for i, y in enumerate(year, start=100)]
    new_release = dict(zip(releases["release_id"], labels, strict=True))
    people = releases.drop_duplicates("person_id")
    new_person = {
        p: f"430102{b}{i % 12 + 1:02d}{i % 28 + 1:02d}{i:04d}"
        for i, (p, b) in enumerate(
            zip(people["person_id"], people["birth_year"], strict=True), start=1
        )
    }
    for path in folder.rglob("*.csv"):
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        if "release_id" in table:
            table["release_id"] = table["release_id"].map(new_release)
        if "person_id" in table:
            table["person_id"] = table["person_id"].map(new_person)
        table.to_csv(path, index=False)
    return set(new_release.values()) | set(new_person.values())


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """A batch over the province, two prefectures and a scope below the threshold, zh and en."""
    root = tmp_path_factory.mktemp("privacy")
    data = make_dataset(root / "data", n=500, seed=3)
    ids = rewrite_ids(data)
    releases = pd.read_csv(data / "releases.csv")
    year = releases["release_date"].str[:4]
    sizes = releases.groupby(["prefecture", year]).size()
    tiny = sizes[(sizes >= 3) & (sizes < THRESHOLD)].index[0]  # a scope of 3-9 releases
    largest = releases["prefecture"].value_counts().index[:2]
    scopes = [
        "{name: province}",
        f"{{name: {largest[0]}, prefecture: {largest[0]}}}",
        f"{{name: {largest[1]}, prefecture: {largest[1]}}}",
        f"{{name: tiny, prefecture: {tiny[0]}, release_start: '{tiny[1]}-01-01', "
        f"release_end: '{tiny[1]}-12-31'}}",
    ]
    runs = "".join(f"  - {s}\n  - {s[:-1]}, lang: en}}\n" for s in scopes)
    broken = shutil.copytree(data, root / "broken")  # a run that fails on an unknown id
    with open(broken / "visits.csv", "a", encoding="utf-8") as fh:
        fh.write(f"{UNKNOWN_ID},2019-06-01,6,negative\n")
    runs += f"  - {{name: broken, data: {broken}}}\n"
    spec = root / "privacy.yaml"
    spec.write_text(f"name: privacy\ndefaults: {{data: {data}, n_bootstrap: 3, seed: 5}}\n"
                    f"runs:\n{runs}", "utf-8")  # fmt: skip
    env = {**os.environ, CODE_VERSION_ENV: os.environ.get(CODE_VERSION_ENV) or code_version(),
           "WORKBENCH_CACHE_DIR": str(root / "cache")}  # fmt: skip
    env.pop(NOTEBOOK_ENV, None)
    res = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "batch", str(spec), "--workers", "2",
         "--out", str(root / "out"), "--allow-identifiers"],  # ids look like resident IDs
        capture_output=True, text=True, timeout=1800, env=env,
    )  # fmt: skip
    assert res.returncode == 1, res.stderr[-3000:]
    assert UNKNOWN_ID in res.stdout  # the analyst's console shows the full message
    return {"out": root / "out", "ids": ids | {UNKNOWN_ID}, "tiny_n": int(sizes[tiny]),
            "root": root, "cache": root / "cache"}  # fmt: skip


def official_outputs(out: Path) -> list[Path]:
    files = [out / "summary.csv", out / "index.html"]
    for folder in sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files += [folder / f for f in ("report.pdf", "report.html", "metrics.json")]
    return files


def test_batch_outputs_hold_no_ids_and_no_small_counts(scanned):
    out = scanned["out"]
    files = official_outputs(out)
    assert len(files) == 2 + 8 * 3 and all(f.is_file() for f in files)  # broken_zh has none
    findings = [f for path in files for f in scan_output(path, scanned["ids"])]
    assert findings == []
    for path in files:  # provenance names files and hashes, never where the data live (#15)
        text = pdf_text(path) if path.suffix == ".pdf" else path.read_text("utf-8")
        assert str(scanned["root"]) not in re.sub(r"\s+", "", text), path
    for lang in ("zh", "en"):  # the scan sees the counts that are there (it is not blind)
        page = (out / f"province_{lang}" / "report.html").read_text("utf-8")
        assert len(small_counts_in_tables(page, threshold=10**9)) > 20
        for text in (page_text(page), pdf_text(out / f"province_{lang}" / "report.pdf")):
            assert len(small_counts_in_text(text, threshold=10**9)) >= 2
    summary = pd.read_csv(out / "summary.csv").set_index("run_id")
    assert summary["status"].value_counts().to_dict() == {"ok": 8, "failed": 1}
    assert summary.loc["broken_zh", "error"].endswith(
        "visits.csv row 2,400: release_id [value] is not in releases.csv (expected an id "
        "listed in releases.csv); correct the id or add the release."
    )
    assert summary.loc["tiny_zh"].isna()[["n_releases", "retention_12"]].all()


def test_scopes_below_the_threshold_show_no_count(scanned):
    for lang in ("zh", "en"):
        m = json.loads((scanned["out"] / f"tiny_{lang}" / "metrics.json").read_text("utf-8"))
        assert m["data"]["n_releases"] is None and m["retention"] == []
        text = pdf_text(scanned["out"] / f"tiny_{lang}" / "report.pdf")
        assert not re.search(rf"(?<![\d,.<]){scanned['tiny_n']}\s*(人|people|releases)", text)


def test_executed_notebooks_are_marked_internal(scanned):
    notebooks = sorted(scanned["out"].glob("*/report.ipynb"))
    assert len(notebooks) == 8
    for path in notebooks:
        nb = nbformat.read(str(path), as_version=4)
        assert nb.metadata["workbench"]["internal"] is True
        assert nb.cells[0].source.startswith("**INTERNAL")
        assert "不得对外提供" in nb.cells[0].source


def test_the_batch_cache_is_private_and_named_nowhere(scanned):
    """The analysis cache the batch filled (raw numbers): folder 0700, key and entries 0600,
    and neither an entry's name nor the key appears in any official output."""
    import stat

    cache = scanned["cache"]
    entries = [p for p in cache.iterdir() if p.is_file()]
    assert len(entries) >= 5  # the key and one entry per analysed scope
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in entries)
    for path in official_outputs(scanned["out"]):
        raw = path.read_text("utf-8") if path.suffix != ".pdf" else pdf_text(path)
        assert cache_names_in(raw, cache) == [], path
