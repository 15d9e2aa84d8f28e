"""reporting.suppression.is_small: the threshold itself is shown, below it is suppressed."""

import numpy as np

from workbench.reporting.suppression import is_small


def test_is_small_at_and_around_the_threshold():
    assert is_small(9, 10) and is_small(0, 10) and is_small(9.5, 10)
    assert not is_small(10, 10) and not is_small(11, 10)
    # not a number (a suppressed "<10" text, missing): nothing to suppress again
    assert not is_small("<10", 10) and not is_small(np.nan, 10) and not is_small(None, 10)
