"""Benchmark of the report's PDF stage alone (issue 23): `render.write_pdf` on the Chinese and
English reports' HTML, source trees alternating, each round in a fresh child process per tree
(WeasyPrint imported before the clock starts, as in a report process).

For each tree, round and language: wall seconds and CPU seconds of the child and of the
processes it forked and waited for (`pdf_split`'s second part), with the report's `n_jobs`
(`--jobs`, 2 as in params/province*.yaml; a tree whose `write_pdf` has no `jobs` prints in one
process). `--check` compares the last round's PDFs of the first and the last tree page by page:
pixels (`pdftoppm -r 60`, PNG bytes), text (`pdftotext`), links (rectangle and target page
and point) and the outline (level, title, page, point); the PNGs stay in `--out` to look at.

Usage: .venv/bin/python bench/pdf.py --html DIR --trees BEFORE,AFTER [--rounds 3] [--jobs 2]
       [--check] [--always-split] [--out bench/out/pdf]
(--always-split: split even when no core is free at that moment, `pdf_split.free_core`: for
measuring CPU seconds on a busy machine; the wall time then shows the other work.)
DIR holds zh.html and en.html, or province/report.html and province_en/report.html (the output
folder of `bench/report.py --out DIR`). Writes DIR_OUT/pdf_bench.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("zh", "en")


def html_files(folder: Path) -> dict[str, Path]:
    found = {}
    for lang, names in (("zh", ("zh.html", "province/report.html")),
                        ("en", ("en.html", "province_en/report.html"))):  # fmt: skip
        found[lang] = next((folder / n for n in names if (folder / n).is_file()), None)
        if found[lang] is None:
            sys.exit(f"bench/pdf.py: no {' or '.join(names)} in {folder}")
    return found


def cpu_s() -> float:
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def child(tree: str, html: dict[str, str], out: str, jobs: int, always: bool) -> dict:
    """In a fresh process with `tree` first on sys.path: each language's PDF stage, timed."""
    sys.path.insert(0, tree)
    import inspect

    import weasyprint  # noqa: F401  (a report process has imported these before its PDF stage)

    import workbench.evaluation  # noqa: F401
    from workbench.reporting import render

    takes_jobs = "jobs" in inspect.signature(render.write_pdf).parameters
    if always and hasattr(render, "pdf_split"):
        render.pdf_split.CHECK_FREE_CORE = False  # split even when no core is free now
    result = {}
    for lang, path in html.items():
        page = Path(path).read_text("utf-8")
        target = Path(out) / f"{lang}.pdf"
        kwargs = {"jobs": jobs} if takes_jobs else {}
        t0, c0 = time.perf_counter(), cpu_s()
        render.write_pdf(page, target, base_url=str(Path(path).parent), **kwargs)
        wall, cpu = time.perf_counter() - t0, cpu_s() - c0
        split = dict(getattr(getattr(render, "pdf_split", None), "LAST", {}))
        result[lang] = {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "split": split,
                        "path_cpu_s": path_cpu(split) or round(cpu, 3)}  # fmt: skip
    return result


def path_cpu(split: dict) -> float | None:
    """The CPU seconds on the longest path of a two-process PDF (what its wall time is on an
    idle machine): parsing, then the longer of the two parts, then the merge."""
    if not split.get("split"):
        return None
    a, b = split["cpu"], split["b_cpu"]
    longer = max(a["a_written"] - a["parsed"], b["paginate"] + b["finish_write"])
    return round(a["parsed"] + longer + a["merged"] - a["b_written"], 3)


def run_child(tree: Path, html: dict[str, Path], out: Path, jobs: int, always: bool) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    args = json.dumps([str(tree), {k: str(v) for k, v in html.items()}, str(out), jobs, always])
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, __file__, "--child", args], env=env, check=True,
                          capture_output=True, text=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def pages_of(pdf: Path, png_dir: Path) -> dict:
    """Per page: PNG bytes at 60 dpi, text; the links and the outline (pypdf)."""
    import pypdf

    png_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(png_dir / "p")], check=True)
    pngs = [p.read_bytes() for p in sorted(png_dir.glob("p-*.png"))]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout.split("\f")  # fmt: skip
    reader = pypdf.PdfReader(str(pdf))
    return {"pixels": pngs, "text": text, "links": links(reader), "outline": outline(reader)}


def _point(reader, dest) -> tuple:
    return (reader.get_destination_page_number(dest), round(float(dest.left or 0), 2),
            round(float(dest.top or 0), 2))  # fmt: skip


def links(reader) -> list:
    named = reader.named_destinations
    found = []
    for i, page in enumerate(reader.pages):
        for annot in page.get("/Annots", []) or []:
            a = annot.get_object()
            rect = tuple(round(float(v), 2) for v in a["/Rect"])
            dest = a.get("/Dest")
            to = _point(reader, named[str(dest)]) if dest is not None else str(a.get("/A"))
            found.append((i, rect, to))
    return found


def outline(reader, items=None, level=1) -> list:
    found = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            found.extend(outline(reader, item, level + 1))
        else:
            found.append((level, item.title, *_point(reader, item)))
    return found


def compare(a: dict, b: dict) -> dict:
    """What differs between two PDFs' `pages_of` (empty lists: nothing)."""
    return {
        "pages": (len(a["pixels"]), len(b["pixels"])),
        "pixels_differ": [
            i + 1 for i, (x, y) in enumerate(zip(a["pixels"], b["pixels"], strict=False)) if x != y
        ],
        "text_differs": [
            i + 1 for i, (x, y) in enumerate(zip(a["text"], b["text"], strict=False)) if x != y
        ],
        "links_equal": a["links"] == b["links"],
        "outline_equal": a["outline"] == b["outline"],
        "n_links": len(a["links"]),
        "n_outline": len(a["outline"]),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--html", type=Path)
    ap.add_argument("--trees", default=str(ROOT))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--always-split", action="store_true", help="split even on a busy machine")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "pdf")
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(*json.loads(args.child))))
        return
    html = html_files(args.html)
    trees = [Path(t).resolve() for t in args.trees.split(",")]
    rows = []
    for rnd in range(1, args.rounds + 1):
        for tree in trees:
            load = os.getloadavg()[0]
            got = run_child(tree, html, args.out / tree.name, args.jobs, args.always_split)
            rows.append({"round": rnd, "tree": tree.name, "load": round(load, 1), **got})
            print(rnd, tree.name, json.dumps(got), flush=True)
    report = {"trees": [str(t) for t in trees], "jobs": args.jobs, "rows": rows}
    if args.check:
        for lang in LANGS:
            got = [pages_of(args.out / t.name / f"{lang}.pdf", args.out / t.name / f"png_{lang}")
                   for t in (trees[0], trees[-1])]  # fmt: skip
            report[f"check_{lang}"] = compare(*got)
            print(lang, report[f"check_{lang}"])
    (args.out / "pdf_bench.json").write_text(json.dumps(report, indent=1))
    print("\n| round | tree | load | zh wall (CPU, longest path CPU) s | en wall (CPU, longest "
          "path CPU) s | pages A + B zh / en |")  # fmt: skip
    print("|---|---|---:|---|---|---|")
    for r in rows:
        cells = [f"{r[x]['wall_s']} ({r[x]['cpu_s']}, {r[x]['path_cpu_s']})" for x in LANGS]
        split = " / ".join(str(r[x]["split"].get("pages", "–")) for x in LANGS)
        print(f"| {r['round']} | {r['tree']} | {r['load']} | {cells[0]} | {cells[1]} | {split} |")


if __name__ == "__main__":
    main()
