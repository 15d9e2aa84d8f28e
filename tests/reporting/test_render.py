"""The PDF step's PNG pass-through (issue 23): the figures' pixels in the PDF are the PNG's own."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pandas as pd
import pypdf
from PIL import Image

from workbench.reporting import figures
from workbench.reporting.render import document, png_idat, write_pdf


def test_a_figure_in_the_pdf_is_its_png_data_and_decodes_to_its_pixels(tmp_path):
    """WeasyPrint would decode and re-encode the PNG; the PDF holds the PNG's own IDAT bytes
    (what the pass-through writes), and decoding them gives exactly the figure's pixels."""
    time = np.arange(0.0, 400.0, 20.0)
    est = np.exp(-time / 500)
    curve = pd.DataFrame({"time": time, "estimate": est, "lower": est - 0.05, "upper": est + 0.03})
    img = figures.retention_curve(curve, None, "en")
    png = base64.b64decode(re.search(r"base64,([^\"]+)", img)[1])
    assert png_idat(png) is not None
    page = document(f"<p>x</p>{img}", "en", "t")
    pdf = pypdf.PdfReader(str(write_pdf(page, tmp_path / "f.pdf")))
    (xobject,) = [o.get_object() for o in pdf.pages[0]["/Resources"]["/XObject"].values()]
    assert xobject._data == png_idat(png)
    shown = pdf.pages[0].images[0].image.convert("RGB")
    assert np.array_equal(np.asarray(shown), np.asarray(Image.open(io.BytesIO(png)).convert("RGB")))


def test_other_pngs_are_not_passed_through():
    for mode in ("RGBA", "L", "P"):
        out = io.BytesIO()
        Image.new(mode, (4, 3)).save(out, format="PNG")
        assert png_idat(out.getvalue()) is None
    out = io.BytesIO()
    Image.new("RGB", (4, 3)).save(out, format="PNG")
    rgb = out.getvalue()
    assert png_idat(rgb) is not None
    interlaced = rgb[:28] + b"\x01" + rgb[29:]  # Pillow writes no interlaced PNG: set the flag
    assert png_idat(interlaced) is None
