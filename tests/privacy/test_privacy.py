"""Pseudonymisation: keyed hashes replace ids, identifier columns go, analyses are unchanged."""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd
import pytest

from workbench.cli import main
from workbench.exceptions import ParameterError
from workbench.privacy.pseudonymize import pseudonym, pseudonymize


@pytest.fixture(scope="module")
def raw_folder(tmp_path_factory):
    from workbench.simulate import simulate, write_simulation

    folder = tmp_path_factory.mktemp("raw")
    write_simulation(simulate(seed=5, n=300), folder)
    releases = pd.read_csv(folder / "releases.csv", dtype=str)
    releases.insert(1, "姓名", ["张三"] * len(releases))
    releases["身份证号"] = "430102199001011234"
    releases["phone"] = "13800138000"
    releases.to_csv(folder / "releases.csv", index=False)
    return folder


def test_pseudonym_is_hmac_sha256_under_the_key():
    key = bytes(range(32))
    expected = "p" + hmac.new(key, b"R000123", hashlib.sha256).hexdigest()[:19]
    assert pseudonym(key, " R000123 ") == expected
    assert pseudonym(key, "R000123") != pseudonym(bytes(32), "R000123")
    assert pseudonym(key, "") == ""


def test_pseudonymize_hashes_ids_drops_identifiers_and_keeps_the_analysis(raw_folder, tmp_path):
    from workbench.cohort import build_cohort
    from workbench.data.io import load_dataset

    key = tmp_path / "secret" / "workbench.key"
    key.parent.mkdir()
    out = tmp_path / "pseudo"
    result = pseudonymize(raw_folder, key, out)
    assert result.key_created and (key.stat().st_mode & 0o777) == 0o600
    assert set(result.dropped["releases"]) == {"姓名", "身份证号", "phone"}

    releases = pd.read_csv(out / "releases.csv", dtype=str)
    original = pd.read_csv(raw_folder / "releases.csv", dtype=str)
    assert "姓名" not in releases.columns and "phone" not in releases.columns
    assert not set(releases["release_id"]) & set(original["release_id"])
    text = "".join(p.read_text(encoding="utf-8") for p in out.glob("*.csv"))
    assert "430102199001011234" not in text and "13800138000" not in text
    for rid in original["release_id"].head(20):
        assert rid not in text

    # same key, same pseudonyms: visits still link to releases, and the cohort is unchanged
    raw_cohort = build_cohort(load_dataset(raw_folder))
    new_cohort = build_cohort(load_dataset(out))
    columns = ["lower_day", "upper_day", "event", "censor_reason", "last_day"]
    pd.testing.assert_frame_equal(
        raw_cohort.sort_values(["release_date", "lower_day", "last_day"])[columns].reset_index(
            drop=True
        ),
        new_cohort.sort_values(["release_date", "lower_day", "last_day"])[columns].reset_index(
            drop=True
        ),
    )

    again = pseudonymize(raw_folder, key, tmp_path / "again")
    assert not again.key_created
    assert (tmp_path / "again" / "visits.csv").read_bytes() == (out / "visits.csv").read_bytes()


def test_a_key_kept_with_the_data_is_refused(raw_folder, tmp_path):
    with pytest.raises(ParameterError, match="the key file is inside .* never with the data"):
        pseudonymize(raw_folder, raw_folder / "my.key", tmp_path / "out")
    assert not (raw_folder / "my.key").exists()


def test_cli_pseudonymize_reports_a_bad_key_with_exit_2(raw_folder, tmp_path, capsys):
    bad = tmp_path / "bad.key"
    bad.write_text("not a key\n")
    bad.chmod(0o600)
    code = main(["pseudonymize", str(raw_folder), "--key", str(bad), "--out", str(tmp_path / "o")])
    assert code == 2
    assert "not a key written by `workbench pseudonymize`" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
