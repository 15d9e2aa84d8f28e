"""The Chinese font for figures and PDFs: Noto Sans CJK SC, named explicitly everywhere.

Fallback font matching picked a calligraphic Kai face for Chinese text, and matplotlib's font
cache does not see fonts installed after it was built (statistics.md trap 6), so the font file is
found here, added to matplotlib by path, and named in the report CSS with an @font-face rule.
On Debian the font comes from the package ``fonts-noto-cjk`` (plus ``libharfbuzz-subset0`` so
WeasyPrint subsets it quickly).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

from workbench.exceptions import ReportError

FAMILY = "Noto Sans CJK SC"
DEBIAN_PATHS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
)
INSTALL_HINT = (
    "install it with `apt-get install fonts-noto-cjk libharfbuzz-subset0` "
    "(Debian/Ubuntu), then rerun"
)


@functools.cache
def cjk_font_path(bold: bool = False) -> Path:
    """Path of the Noto Sans CJK (SC) font collection; ReportError naming the package if absent."""
    weight = "Bold" if bold else "Regular"
    for path in DEBIAN_PATHS:
        candidate = path.with_name(f"NotoSansCJK-{weight}.ttc")
        if candidate.is_file():
            return candidate
    found = _fc_list(weight)
    if found is not None:
        return found
    if bold:
        return cjk_font_path(bold=False)
    raise ReportError(f"the Chinese font {FAMILY} was not found; {INSTALL_HINT}")


def _fc_list(weight: str) -> Path | None:
    if shutil.which("fc-list") is None:
        return None
    try:
        out = subprocess.run(
            ["fc-list", f":family={FAMILY}:style={weight}", "file"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    files = sorted(line.split(":")[0].strip() for line in out.splitlines() if line.strip())
    return Path(files[0]) if files else None


def use_font(lang: str = "zh") -> str:
    """Make matplotlib draw with Noto Sans CJK SC (for 'zh'; also fine for 'en'). Returns the family."""
    import matplotlib
    from matplotlib import font_manager

    if lang not in ("zh", "en"):
        raise ValueError(f"language {lang!r} is not one of zh, en")
    try:
        path = cjk_font_path()
    except ReportError:
        if lang == "en":
            return matplotlib.rcParams["font.family"][0]
        raise
    known = {f.name for f in font_manager.fontManager.ttflist}
    if FAMILY not in known:
        font_manager.fontManager.addfont(str(path))
    matplotlib.rcParams["font.family"] = ["sans-serif"]
    sans = [f for f in matplotlib.rcParams["font.sans-serif"] if f != FAMILY]
    matplotlib.rcParams["font.sans-serif"] = [FAMILY, *sans]
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["pdf.fonttype"] = 42
    return FAMILY


def font_css() -> str:
    """CSS naming the font family explicitly (after checking the font is installed).

    The family is resolved by fontconfig, which picks the Simplified Chinese face inside the
    collection; an @font-face url() to the .ttc would load its first face (Japanese)."""
    cjk_font_path()
    return f'html {{ font-family: "{FAMILY}", sans-serif; }}\n'
