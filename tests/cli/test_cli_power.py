"""`workbench power`: the formula's table, --json, and exit 2 with one clear line on bad input."""

from __future__ import annotations

from workbench import jsonout
from workbench.cli import main


def test_power_json_has_the_formula_rows(capsys):
    assert main(["power", "--hr", "0.8", "--uptake", "0.3", "--json"]) == 0
    out = jsonout.loads(capsys.readouterr().out)
    assert out["hazard_ratio"] == 0.8 and out["replicates"] == 0
    rows = {r["power"]: r for r in out["rows"]}
    assert set(rows) == {0.8, 0.9}
    assert (
        rows[0.9]["events"] > rows[0.8]["events"] and rows[0.9]["releases"] > rows[0.8]["releases"]
    )
    assert 0 < out["event_probability"] < 1


def test_power_text_in_both_languages(capsys):
    from workbench.i18n import t

    for lang in ("en", "zh"):
        assert main(["power", "--risk-difference", "0.05", "--lang", lang]) == 0
        text = capsys.readouterr().out
        assert t("pw_col_releases", lang) in text and t("pw_note_formula", lang) in text


def test_power_bad_input_exits_2_without_traceback(capsys):
    for argv in (
        ["power", "--hr", "0.8", "--uptake", "2"],
        ["power"],
        ["power", "--hr", "0.8", "--power", "0.3"],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("workbench power: ") and "Traceback" not in err
