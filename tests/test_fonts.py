"""The Chinese font: found, registered with matplotlib, named explicitly for WeasyPrint."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
import pypdf
import pytest

from workbench import fonts
from workbench.exceptions import ReportError

matplotlib.use("Agg")


def _pdf_fonts(raw: bytes) -> set[str]:
    reader = pypdf.PdfReader(io.BytesIO(raw))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def test_font_file_is_found():
    path = fonts.cjk_font_path()
    assert path.is_file() and path.name.startswith("NotoSansCJK")


def test_matplotlib_draws_chinese_with_noto_sans_cjk_sc():
    import matplotlib.pyplot as plt

    with matplotlib.rc_context():
        assert fonts.use_font("zh") == "Noto Sans CJK SC"
        assert matplotlib.rcParams["font.sans-serif"][0] == "Noto Sans CJK SC"
        fig, ax = plt.subplots()
        ax.set_title("操守保持率")
        buf = io.BytesIO()
        fig.savefig(buf, format="pdf")
        plt.close(fig)
    names = _pdf_fonts(buf.getvalue())
    assert any("NotoSansCJKsc" in n for n in names), names  # the SC face, not JP/KR/TC


def test_weasyprint_embeds_the_named_font_not_a_fallback():
    import weasyprint

    css = weasyprint.CSS(string=fonts.font_css())
    raw = weasyprint.HTML(string="<p>解除强制隔离戒毒人员操守保持率 12个月</p>").write_pdf(
        stylesheets=[css]
    )
    names = _pdf_fonts(raw)
    assert names and all("Noto-Sans-CJK-SC" in n for n in names), names
    assert not any("Kai" in n for n in names)


def test_missing_font_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "DEBIAN_PATHS", (tmp_path / "none.ttc",))
    monkeypatch.setattr(fonts, "_fc_list", lambda weight: None)
    fonts.cjk_font_path.cache_clear()
    try:
        with pytest.raises(
            ReportError,
            match=r"Noto Sans CJK SC was not found; install it with `apt-get install fonts-noto-cjk",
        ):
            fonts.cjk_font_path()
    finally:
        fonts.cjk_font_path.cache_clear()


def test_use_font_rejects_unknown_language():
    with pytest.raises(ValueError, match="language 'fr' is not one of zh, en"):
        fonts.use_font("fr")


def test_font_only_check_leaves_weasyprint_out_of_the_report_kernel():
    """The report kernel checks its font with pdf=False: WeasyPrint (~2 s CPU to import) is
    loaded only by the process that makes the PDF (issue 23)."""
    import subprocess
    import sys

    code = (
        "import sys; from workbench.fonts import require_fonts\n"
        "print(require_fonts('zh', pdf=False), require_fonts('en', pdf=False), "
        "'weasyprint' in sys.modules)"
    )
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert got.stdout.split("\n")[0] == "Noto Sans CJK SC DejaVu Sans False"
    nb = (Path(__file__).parents[1] / "notebooks" / "evaluation_report.ipynb").read_text("utf-8")
    assert "require_fonts(params.lang, pdf=False)" in nb
