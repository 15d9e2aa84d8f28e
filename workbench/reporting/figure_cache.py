"""The report's figures drawn once: each figure's ``<img>`` cached by the content of its inputs.

A report figure is a pure function of its arguments (tables from `ReportResults`, the language,
axis labels) and of the code that draws it. The section modules call the entry points below
(`retention_curve`, `funnel`, …) instead of the drawing modules: each keys its arguments by
content — DataFrames and Series by pandas' stable row hashes with their column names and dtypes,
arrays by their bytes, dataclasses field by field, dicts in their order — together with the
drawing function's name, the workbench's code version (every source file, so a change to a
figure, the catalog or the fonts module makes new keys), matplotlib's and Pillow's versions and
the font files, and returns the stored ``<img>`` for that key, or imports the drawing module
(matplotlib), draws the figure and stores it. Entries live in the analysis cache
(`workbench.cache`: private, HMAC-signed); a cache that cannot be used means drawing, never an
error. Arguments it cannot key (an unknown type) are drawn and not cached.

So the other language's report of a scope, whose analyses are cached, embeds stored PNG bytes
and its kernel never imports matplotlib: `kernel_state.prewarm` draws a report's figures for
the languages not yet rendered, in the kernel that just ran the notebook, while the parent
prints the PDF (`kernel.ReportKernel.submit`, issue 23).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import importlib
from collections.abc import Callable
from typing import Any

KEY_VERSION = 1  # bump when the key's recipe changes
DRAWN = {"n": 0}  # figures drawn (cache misses) by this process: tests read it


class _Unkeyable(Exception):
    """An argument of a type whose content cannot be keyed: draw, do not cache."""


def _update(h, value: Any) -> None:
    """Feed `value`'s type and content into hash `h` (canonical, identity-free)."""
    import numpy as np
    import pandas as pd

    name = type(value).__name__
    h.update(f"<{name}>".encode())
    if value is None or isinstance(value, (bool, int, float, str, dt.date, dt.datetime)):
        h.update(repr(value).encode())
    elif isinstance(value, np.generic):
        h.update(str(value.dtype).encode() + value.tobytes())
    elif isinstance(value, (pd.DataFrame, pd.Series)):
        _update_frame(h, value.to_frame() if isinstance(value, pd.Series) else value)
    elif isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            _update(h, value.tolist())
        else:
            h.update(f"{value.dtype.str}{value.shape}".encode())
            h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, (list, tuple)):
        h.update(str(len(value)).encode())
        for item in value:
            _update(h, item)
    elif isinstance(value, dict):
        h.update(str(len(value)).encode())
        for k, v in value.items():  # in order: the order is drawn (panels, legends)
            _update(h, k)
            _update(h, v)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        h.update(type(value).__qualname__.encode())
        for f in dataclasses.fields(value):
            h.update(f.name.encode())
            _update(h, getattr(value, f.name))
    else:
        raise _Unkeyable(name)


def _update_frame(h, frame) -> None:
    import pandas as pd

    _update(h, [str(c) for c in frame.columns])
    _update(h, [str(d) for d in frame.dtypes])
    _update(h, [str(n) for n in frame.index.names])
    h.update(str(frame.shape).encode())
    try:
        rows = pd.util.hash_pandas_object(frame, index=True, categorize=False)
    except TypeError as err:  # unhashable cells (lists)
        raise _Unkeyable(str(err)) from None
    h.update(rows.to_numpy().tobytes())


@functools.cache
def _environment() -> str:
    """What a figure's pixels depend on besides its arguments and function: the code, the
    drawing libraries' versions and the font files."""
    from importlib.metadata import version

    from workbench.evaluation.analysis import code_version
    from workbench.fonts import cjk_font_path, latin_font_path

    fonts = []
    for find in (cjk_font_path, latin_font_path):
        with contextlib.suppress(Exception):
            path = find()
            fonts.append(f"{path}:{path.stat().st_size}")
    return repr((KEY_VERSION, code_version(), version("matplotlib"), version("pillow"), fonts))


def figure_key(module: str, name: str, args: tuple, kwargs: dict) -> str | None:
    """The cache key of drawing `module.name(*args, **kwargs)`, None when an argument cannot
    be keyed."""
    h = hashlib.sha256(f"figure\0{_environment()}\0{module}.{name}".encode())
    try:
        _update(h, args)
        _update(h, sorted(kwargs.items()))
    except _Unkeyable:
        return None
    return "figure:" + h.hexdigest()


def _load(key: str) -> str | None:
    from workbench import cache

    try:
        got = cache.load(key)
    except Exception:
        return None
    return got if isinstance(got, str) else None


def _store(key: str, img: str) -> None:
    from workbench import cache

    with contextlib.suppress(Exception):
        cache.store(key, img)


def cached(module: str, name: str) -> Callable[..., str]:
    """`module.name` (a function returning a figure's ``<img>``) through the cache; the module
    is imported only to draw."""

    def figure(*args: Any, **kwargs: Any) -> str:
        key = figure_key(module, name, args, kwargs)
        if key is not None:
            got = _load(key)
            if got is not None:
                return got
        img = getattr(importlib.import_module(module), name)(*args, **kwargs)
        DRAWN["n"] += 1
        if key is not None and img:
            _store(key, img)
        return img

    figure.__name__ = figure.__qualname__ = name
    figure.__doc__ = f"`{module}.{name}`, drawn once per content (`figure_cache`)."
    return figure


retention_curve = cached("workbench.reporting.figures", "retention_curve")
tiers_bars = cached("workbench.reporting.figures", "tiers_bars")
funnel = cached("workbench.reporting.figures", "funnel")
arm_curves = cached("workbench.reporting.figures", "arm_curves")
trend_chart = cached("workbench.reporting.trend_figures", "trend_chart")
calibration_chart = cached("workbench.reporting.trend_figures", "calibration_chart")
tile_map = cached("workbench.reporting.tile_map", "tile_map")
trial_curves = cached("workbench.reporting.target_trial_figures", "trial_curves")
