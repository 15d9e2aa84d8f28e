"""The report fonts: Noto Sans CJK SC for Chinese, DejaVu Sans for English, named explicitly.

Fallback font matching picked a calligraphic Kai face for Chinese text, and matplotlib's font
cache does not see fonts installed after it was built (statistics.md trap 6), so the font file is
found here, added to matplotlib by path, and named in the report CSS with an @font-face rule.
On Debian the font comes from the package ``fonts-noto-cjk`` (plus ``libharfbuzz-subset0`` so
WeasyPrint subsets it quickly). English reports need no Chinese font: they use DejaVu Sans
(Debian ``fonts-dejavu-core``; matplotlib ships its own copy). `require_fonts` checks everything a
report needs before any analysis starts, so a missing font fails in seconds, not after the fits.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

from workbench.exceptions import ReportError
from workbench.i18n import check_lang

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
LATIN_FAMILY = "DejaVu Sans"
LATIN_PATHS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
)
LATIN_HINT = "install it with `apt-get install fonts-dejavu-core` (Debian/Ubuntu), then rerun"


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


@functools.cache
def latin_font_path() -> Path:
    """Path of DejaVu Sans (the English report's font); ReportError naming the package if absent."""
    for path in LATIN_PATHS:
        if path.is_file():
            return path
    found = _fc_list("Book", LATIN_FAMILY)
    if found is not None:
        return found
    raise ReportError(f"the font {LATIN_FAMILY} for English reports was not found; {LATIN_HINT}")


def require_fonts(lang: str, pdf: bool = True) -> str:
    """Check what a report in `lang` needs to print (its font, WeasyPrint's system libraries)
    before any analysis; ReportError with the install command otherwise. Returns the family.
    `pdf=False` checks the font only (the report kernel draws figures; the PDF is made by the
    process that started it, which checked WeasyPrint: importing it costs ~2 s CPU)."""
    check_lang(lang)
    family = FAMILY if lang == "zh" else LATIN_FAMILY
    (cjk_font_path if lang == "zh" else latin_font_path)()
    if not pdf:
        return family
    try:
        import weasyprint  # noqa: F401  (loads Pango: fails without the system libraries)
    except OSError as err:
        raise ReportError(
            f"WeasyPrint cannot load its system libraries ({err}); install them with "
            "`apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0`, then rerun"
        ) from None
    return family


def _fc_list(weight: str, family: str = FAMILY) -> Path | None:
    if shutil.which("fc-list") is None:
        return None
    try:
        out = subprocess.run(
            ["fc-list", f":family={family}:style={weight}", "file"],
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
    """Make matplotlib draw with Noto Sans CJK SC ('zh') or DejaVu Sans ('en', matplotlib's own
    copy: no system font needed). Returns the family."""
    import matplotlib
    from matplotlib import font_manager

    check_lang(lang)
    if lang == "en":
        matplotlib.rcParams["font.family"] = ["sans-serif"]
        sans = [f for f in matplotlib.rcParams["font.sans-serif"] if f != LATIN_FAMILY]
        matplotlib.rcParams["font.sans-serif"] = [LATIN_FAMILY, *sans]
        matplotlib.rcParams["axes.unicode_minus"] = True
        return LATIN_FAMILY
    path = cjk_font_path()
    known = {f.name for f in font_manager.fontManager.ttflist}
    if FAMILY not in known:
        font_manager.fontManager.addfont(str(path))
    matplotlib.rcParams["font.family"] = ["sans-serif"]
    sans = [f for f in matplotlib.rcParams["font.sans-serif"] if f != FAMILY]
    matplotlib.rcParams["font.sans-serif"] = [FAMILY, *sans]
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["pdf.fonttype"] = 42
    return FAMILY


def font_css(lang: str = "zh") -> str:
    """CSS naming the report's font family explicitly (after checking the font is installed).

    The family is resolved by fontconfig, which picks the Simplified Chinese face inside the
    collection; an @font-face url() to the .ttc would load its first face (Japanese)."""
    family = require_fonts(lang)
    return f'html {{ font-family: "{family}", sans-serif; }}\n'
