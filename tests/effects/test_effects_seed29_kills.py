"""Written AFTER bench/mutation.py's fresh seed-29 sample (issue #24, session 7, helper mut4) for
its non-equivalent survivors, so they do not count towards that sample's score: the subgroup
model's main effect of the subgroup, the exact-time landmark replicates keep their rows, the
positivity caveat's code and count, the comparison summary's horizon column."""

import warnings
from pathlib import Path

import numpy as np
import pytest
from support import effects_inputs

from workbench.exceptions import StatisticalWarning

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def prepared(small_sim):
    return effects_inputs(small_sim.dataset)


def test_the_subgroup_model_has_the_subgroups_main_effect(prepared):
    """Interaction model: each subgroup has its own baseline (main effect) besides the
    support's interaction, else the interaction absorbs any baseline difference."""
    from workbench.effects.subgroups import SubgroupEffects

    cohort, starts, contacts = prepared
    wave = np.where(np.arange(len(cohort)) % 2 == 0, "early", "late")
    model = SubgroupEffects("wave", exposures=["employment_311"]).fit(
        cohort.assign(wave=wave), starts, contacts
    )
    names = list(model.model_.params_.index)
    assert "_subgroup[late]" in names and "employment_311:late" in names


@pytest.mark.filterwarnings("ignore::workbench.exceptions.StatisticalWarning")
def test_exact_time_landmark_replicates_resample_rows(monkeypatch):
    """Exact times (the Cox model's Efron ties count rows): every bootstrap replicate refits the
    propensity model on the resampled rows, never the counted distinct-rows shortcut."""
    from workbench.data.spec import load_spec
    from workbench.effects import landmark

    calls = []
    real = landmark._overlap_weights

    def recording(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(landmark, "_overlap_weights", recording)
    spec = load_spec(ROOT / "params" / "examples" / "rossi.yaml")
    we = landmark.WeightedEffect("fin", landmark_day=None, n_bootstrap=3, confounders=["age"])
    we.fit(spec.frame)
    assert we.boot_ is not None and len(we.boot_) == 3
    assert calls == []


def test_the_positivity_caveat_has_its_code_and_count():
    import pandas as pd

    from workbench.effects.propensity import PropensityWeights

    rng = np.random.default_rng(2)
    X = pd.DataFrame({"x": rng.normal(size=200)})
    treated = (rng.random(200) < 0.5).astype(int)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pw = PropensityWeights(positivity=0.49).fit(X, treated)  # nearly everyone "extreme"
    (caveat,) = [w.message for w in caught if getattr(w.message, "code", None) == "positivity"]
    assert isinstance(caveat, StatisticalWarning)
    assert caveat.fields == {"n": pw.n_extreme_, "lo": 0.49, "hi": pytest.approx(0.51)}
    assert pw.n_extreme_ > 0


def test_the_comparison_summary_has_the_horizon_column(small_sim):
    from workbench.cohort import build_cohort, exposure_starts
    from workbench.effects.exposure import relapse_free_contacts
    from workbench.effects.landmark import WeightedEffect

    ds = small_sim.dataset
    we = WeightedEffect("employment_311", n_bootstrap=0).fit(
        build_cohort(ds), exposure_starts(ds), relapse_free_contacts(ds)
    )
    table = we.result_.summary()
    assert table.loc[0, "horizon_days"] == we.result_.horizon_day


@pytest.mark.filterwarnings("ignore::workbench.exceptions.StatisticalWarning")
def test_the_effects_table_says_which_e_value_approximation_it_used():
    """Rossi: 114 of 432 re-arrested (26 % >= 15 %): the common-outcome sqrt(HR) transform."""
    import dataclasses

    from workbench.data.spec import load_spec
    from workbench.effects.table import effects_table, outcome_risk

    spec = load_spec(ROOT / "params" / "examples" / "rossi.yaml")
    assert outcome_risk(spec.frame) == pytest.approx(114 / 432, abs=1e-12)
    table = effects_table(dataclasses.replace(spec, design="observational"), n_bootstrap=0)
    assert table.attrs["evalue_approximation"] == "common outcome: sqrt(HR) transform"
