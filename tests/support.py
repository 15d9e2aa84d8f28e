"""Helpers shared by test folders (tests/ is on sys.path: `from support import make_dataset`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pypdf

from workbench.data.codes import DAYS_PER_MONTH

N_RELEASES = 800
INF = np.inf


def make_dataset(folder: Path, n: int = N_RELEASES, seed: int = 7) -> Path:
    """A simulated dataset in the data contract (small, for tests)."""
    from workbench.simulate import NO_FEEDBACK, simulate, write_simulation

    write_simulation(simulate(NO_FEEDBACK, seed=seed, n=n), folder)
    # The simulator records a 'died' visit after an exact death date from the civil registry,
    # which the loader rejects as a contact after death; keep the exact death only.
    visits, events = pd.read_csv(folder / "visits.csv"), pd.read_csv(folder / "events.csv")
    dead = set(events.loc[events["event"] == "death", "release_id"])
    drop = visits["result"].eq("died") & visits["release_id"].isin(dead)
    visits.loc[~drop].to_csv(folder / "visits.csv", index=False)
    return folder


def pdf_text(path: Path) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(str(path)).pages)


def toy_cohort(n, seed, gamma=(-0.5, 0.0), beta=0.5, exact_frac=0.2):
    """Relapse with a front-loaded piecewise hazard, two time-varying exposures, 6-month visits."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    starts = np.where(rng.random((n, 2)) < 0.5, rng.uniform(0, 500, (n, 2)), np.nan)
    grid = np.arange(0.0, 1100.0)
    base = np.where(grid < 90, 0.004, np.where(grid < 365, 0.0015, 0.0007))
    target = -np.log(rng.random(n))
    T = np.full(n, np.inf)
    H = np.zeros(n)
    s_inf = np.nan_to_num(starts, nan=np.inf)
    for t, b in zip(grid, base, strict=True):
        h = b * np.exp(beta * x + (t >= s_inf) @ np.asarray(gamma))
        hit = (H + h >= target) & np.isinf(T)
        T[hit] = t + (target[hit] - H[hit]) / h[hit]
        H += h
    visits = 182.625 * np.arange(1, 7)[None, :] + rng.normal(0, 15, (n, 6))
    k = (visits < T[:, None]).sum(axis=1)
    seen = k < 6
    R = np.where(seen, visits[np.arange(n), np.minimum(k, 5)], np.nan)
    L = np.where(k > 0, visits[np.arange(n), np.maximum(k - 1, 0)], 0.0)
    exact = seen & (rng.random(n) < exact_frac)
    L[exact] = R[exact] = T[exact]
    cohort = pd.DataFrame(
        {
            "release_id": [f"r{i}" for i in range(n)],
            "lower_day": L,
            "upper_day": R,
            "last_day": np.where(seen, R, L),
            "motivation_score": x,
        }
    )
    st = pd.DataFrame(starts, columns=["job_placement", "peer_education"])
    st.index = cohort["release_id"]
    return cohort, st


def visit_data(rng, n, jitter=21, attend=0.85, scale=400.0, shape=0.7):
    """(L, R] from Weibull relapse days seen at 6-monthly visits (+-jitter days) with a cut-off."""
    T = rng.weibull(shape, n) * scale
    sched = np.arange(1, 7) * 6 * DAYS_PER_MONTH
    if jitter:
        V = sched[None, :] + rng.integers(-jitter, jitter + 1, (n, 6))
    else:
        V = np.broadcast_to(sched, (n, 6))
    seen = rng.random((n, 6)) < attend
    cutoff = rng.uniform(300, 1400, n)
    L, R = np.zeros(n), np.full(n, INF)
    done = np.zeros(n, bool)
    for k in range(6):
        ok = seen[:, k] & (V[:, k] <= cutoff) & ~done
        pos, neg = ok & (T <= V[:, k]), ok & (T > V[:, k])
        R[pos] = V[pos, k]
        L[neg] = V[neg, k]
        done |= pos
    return L, R, T


def no_effects_config() -> dict:
    """Simulator overrides with no covariate, place, facility or support effect (every log HR 0,
    every support HR 1): relapse follows the baseline hazard alone."""
    from workbench.simulate import default_config

    cfg = default_config()
    return {
        "relapse": {
            "log_hr": {
                k: (dict.fromkeys(v, 0.0) if isinstance(v, dict) else 0.0)
                for k, v in cfg["relapse"]["log_hr"].items()
            }
        },
        "prefectures": {k: {"log_hr": 0.0} for k in cfg["prefectures"]},
        "facilities": {"log_hr": dict.fromkeys(cfg["facilities"]["log_hr"], 0.0)},
        "interventions": {k: {"hazard_ratio": 1.0} for k in cfg["interventions"]},
    }


def effects_inputs(ds):
    """The support-effects estimators' three inputs for a dataset: the cohort, the support
    starts and the relapse-free contacts (the landmark comparison's)."""
    from workbench.cohort import build_cohort, exposure_starts
    from workbench.effects.exposure import relapse_free_contacts

    return build_cohort(ds), exposure_starts(ds), relapse_free_contacts(ds)
