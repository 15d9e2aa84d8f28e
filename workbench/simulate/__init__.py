"""The known-truth simulator: a dataset in the data contract whose truth is known.

`simulate(config=None, seed=20170101, n=None) -> Simulation` draws releases, covariates, support,
relapse (exact inversion of a proportional-hazards model with time-varying support), deaths,
transfers, loss to follow-up, visits and exact-dated events; `write_simulation(sim, out_dir)`
writes the folder with `truth/`. Every knob is in params/simulation.yaml. By default employment
is a time-varying confounder with feedback (workbench.simulate.employment); `simulate(NO_FEEDBACK,
...)` is the simulator of before (support from baseline covariates only).
"""

from workbench.simulate.config import NO_FEEDBACK, default_config, resolve_config
from workbench.simulate.core import Simulation, simulate, true_survival
from workbench.simulate.output import write_simulation

__all__ = [
    "NO_FEEDBACK",
    "Simulation",
    "default_config",
    "resolve_config",
    "simulate",
    "true_survival",
    "write_simulation",
]
