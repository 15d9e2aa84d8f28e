"""The disclosure-control helpers a caller may use on their own numbers (issue #24, session 7:
no fast test reached `perturb_count` and `perturb_rate`, and seed 27 changed `count_noise`'s
default unseen). Each is checked against its docstring's rule, with `noise` as the input."""

import numpy as np
import pytest

from workbench.privacy.disclosure import count_noise, noise, perturb_count, perturb_rate

KEY = b"k" * 32
CELLS = [f"cell{i}" for i in range(40)]


def test_one_count_gets_one_draw_of_noise_by_default():
    for cell in CELLS[:4]:
        assert count_noise(KEY, cell) == noise(KEY, cell)
    assert count_noise(KEY, "a", 2) == noise(KEY, "a#0") + noise(KEY, "a#1")


def test_perturb_count_adds_the_cells_noise_and_never_goes_below_k():
    draws = {noise(KEY, c) for c in CELLS}
    assert len(draws) > 1 and min(draws) < 0  # the rule's floor is exercised below
    for cell in CELLS:
        assert perturb_count(57, KEY, cell, 10) == 57 + noise(KEY, cell)
        assert perturb_count(56.6, KEY, cell, 10) == 57 + noise(KEY, cell)  # rounded first
        assert perturb_count(10, KEY, cell, 10) == max(10 + noise(KEY, cell), 10)
    floored = [c for c in CELLS if noise(KEY, c) < 0]
    assert all(perturb_count(10, KEY, c, 10) == 10 for c in floored)


@pytest.mark.parametrize("n", [9, 0, None, "n/a", float("nan"), float("inf")])
def test_perturb_count_leaves_small_counts_and_non_numbers_alone(n):
    out = perturb_count(n, KEY, "x", 10)
    assert out is n


def test_perturb_rate_shifts_by_the_implied_counts_noise_within_0_and_1():
    for cell in CELLS:
        d = noise(KEY, cell)
        assert perturb_rate(0.4, 50, KEY, cell) == pytest.approx(0.4 + d / 50, abs=1e-15)
    hi = next(c for c in CELLS if noise(KEY, c) > 0)
    lo = next(c for c in CELLS if noise(KEY, c) < 0)
    assert perturb_rate(1.0, 20, KEY, hi) == 1.0 and perturb_rate(0.0, 20, KEY, lo) == 0.0
    assert isinstance(perturb_rate(np.float64(0.5), 20, KEY, hi), float)


def test_protect_count_passes_its_scale_to_the_noise():
    """(mut4, blind to seed 29) A visit count gets VISIT_SCALE draws of noise: its published
    value is n + the sum of the cell's 6 draws (floored at k); scale 1 is perturb_count."""
    from workbench.privacy.disclosure import VISIT_SCALE, protect_count

    assert VISIT_SCALE == 6
    for cell in CELLS:
        six = count_noise(KEY, cell, VISIT_SCALE)
        assert six == sum(noise(KEY, f"{cell}#{i}") for i in range(6))
        assert protect_count(500, KEY, cell, 10, VISIT_SCALE) == 500 + six
        assert protect_count(500, KEY, cell, 10) == perturb_count(500, KEY, cell, 10)
        assert protect_count(9, KEY, cell, 10, VISIT_SCALE) == 9  # small: left to the renderer
    # the sum of 6 independent draws spreads more than one draw (variance x 6; 40 cells each)
    one = np.std([noise(KEY, c) for c in CELLS])
    assert np.std([count_noise(KEY, c, 6) for c in CELLS]) > 1.5 * one
