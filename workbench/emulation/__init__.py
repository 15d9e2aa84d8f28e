"""Which support works, asked as an emulated target trial (issue #18): clone–censor–weight
with an interval-censored relapse and competing death (`TargetTrial`), and the grace period's
sensitivity (`grace_sensitivity`). Method details: the docstrings of trial.py and its modules.
"""

from workbench.emulation.sensitivity import grace_sensitivity
from workbench.emulation.sequential import SequentialTrials
from workbench.emulation.trial import TargetTrial

__all__ = ["SequentialTrials", "TargetTrial", "grace_sensitivity"]
