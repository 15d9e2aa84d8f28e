"""risk.table (what `workbench risk` prints and returns) on a real table, in the fast tests: lung
(NCCTG; death; text and missing covariates; 18 institutions as strata) against R's coxph, with
and without the spec's strata (tests/reference/corpus.R), and the text header."""

from pathlib import Path

import pandas as pd
import pytest

from workbench.cohort.contract import load_cohort
from workbench.risk.table import render_text, risk_model

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def lung():
    return load_cohort(ROOT / "data" / "corpus" / "lung" / "spec.yaml")


def _ref(section: str) -> pd.DataFrame:
    r = pd.read_csv(ROOT / "tests" / "reference" / "corpus_R.csv")
    return r[(r["dataset"] == "lung") & (r["section"] == section)]


@pytest.mark.parametrize(("strata", "section"), [(None, "cox_strata"), ([], "cox")])
def test_cox_terms_n_and_loglik_equal_R(lung, strata, section):
    out = risk_model(lung, strata=strata)
    terms = {t["term"]: t for t in out["terms"]}
    ref = _ref(section)
    for r in ref[ref["key"].notna()].itertuples():
        assert terms[r.key][r.stat] == pytest.approx(r.value, rel=1e-6), (r.key, r.stat)
    totals = ref[ref["key"].isna()].set_index("stat")["value"]
    assert out["n"] == totals["n"] == 212
    assert out["log_likelihood"] == pytest.approx(totals["loglik"], rel=1e-9)
    assert out["strata"] == ([] if strata == [] else ["inst"])
    assert out["model"] == "Cox proportional hazards (Efron ties)" + (
        ", stratified" if strata is None else ""
    )
    assert out["n_strata"] == (1 if strata == [] else lung.table["inst"].dropna().nunique())


def test_text_header_and_tables(lung):
    out = risk_model(lung)
    text = render_text(out)
    first = text.splitlines()[0]
    assert first == (
        f"Cox proportional hazards (Efron ties), stratified: n = 212, events = {out['events']}, "
        f"strata inst ({out['n_strata']} strata)"
    )
    assert "Proportional-hazards test (R cox.zph, km transform)" in text
    for term in out["terms"]:
        assert term["label"] in text
    zh = risk_model(lung, lang="zh")
    assert [t["coef"] for t in zh["terms"]] == [t["coef"] for t in out["terms"]]
    assert [t["label"] for t in zh["terms"]] != [t["label"] for t in out["terms"]]
