"""reporting.suppression.is_small: the threshold itself is shown, below it is suppressed."""

import numpy as np

from workbench.reporting.suppression import is_small


def test_is_small_at_and_around_the_threshold():
    assert is_small(9, 10) and is_small(0, 10) and is_small(9.5, 10)
    assert not is_small(10, 10) and not is_small(11, 10)
    # not a number (a suppressed "<10" text, missing): nothing to suppress again
    assert not is_small("<10", 10) and not is_small(np.nan, 10) and not is_small(None, 10)


def test_suppress_counts_and_the_rates_of_a_small_base():
    import pandas as pd

    from workbench.reporting.suppression import suppress

    table = pd.DataFrame({"n": [1234, 7, 10], "coverage": [0.81, 0.5, 0.9], "name": list("abc")})
    shown, k = suppress(table, 10, counts=["n"], rates=["coverage"], base="n")
    assert list(shown["n"]) == ["1,234", "<10", "10"]
    assert list(shown["coverage"]) == [0.81, "<10", 0.9]  # the rate of 7 people is hidden too
    assert k == 2 and list(shown["name"]) == list("abc")
    zh, _ = suppress(table, 10, counts=["n"], rates=["coverage"], base="n", lang="zh")
    assert zh.loc[1, "coverage"] == zh.loc[1, "n"] == "<10"
    # without a base, rates stay as they are
    plain, k = suppress(table, 10, counts=["n"], rates=["coverage"])
    assert list(plain["coverage"]) == [0.81, 0.5, 0.9] and k == 1


def test_complementary_hides_the_smallest_other_count_in_the_readers_language():
    """A single hidden component of a shown total could be recovered by subtraction (9 = 239 -
    120 - 60 - 50): the smallest shown component (50) is hidden too, with the same mark."""
    import pandas as pd

    from workbench.reporting.suppression import complementary, suppress

    table = pd.DataFrame({"area": ["all", "a", "b", "c", "d"], "n": [239, 120, 9, 60, 50],
                          "lost": [60, 20, 20, 10, 10]})  # fmt: skip
    total = [True, False, False, False, False]
    for lang in ("en", "zh"):
        shown, _ = suppress(table, 10, counts=["n", "lost"], lang=lang)
        out, extra = complementary(shown, table, ["n", "lost"], total, 10, lang=lang)
        mark = shown.loc[2, "n"]
        assert mark == "<10"
        assert out["n"].tolist() == ["239", "120", mark, "60", mark] and extra == 1
        assert out["lost"].tolist() == shown["lost"].tolist()  # nothing hidden: nothing added
