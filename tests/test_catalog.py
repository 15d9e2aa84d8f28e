"""Every Chinese word the package shows comes from the catalog (workbench/i18n/): no string in
any other module holds a Chinese character, except the glossary's codes (data/codes.py) and the
Chinese column headers, value words and date forms the data contract accepts (data/schema.py)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from workbench.i18n import TEXT, t

PACKAGE = Path(__file__).resolve().parents[1] / "workbench"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
ALLOWED = {"data/codes.py", "data/schema.py"}


def docstring_nodes(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def chinese_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    docs = docstring_nodes(tree)
    return [
        f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value[:40]!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docs
        and CJK.search(node.value)
    ]


def test_no_chinese_outside_the_catalog():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = str(path.relative_to(PACKAGE))
        if rel.startswith("i18n/") or rel in ALLOWED:
            continue
        found += chinese_literals(path)
    assert not found, "Chinese text outside workbench/i18n/:\n" + "\n".join(found)


def test_the_scan_finds_a_chinese_literal(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text('"""文档 may say anything."""\nLABEL = "出所"\n')
    found = [line.split(": ", 1)[1] for line in chinese_literals_at(sample, tmp_path)]
    assert found == ["'出所'"]


def chinese_literals_at(path: Path, root: Path) -> list[str]:
    global PACKAGE
    saved, PACKAGE = PACKAGE, root
    try:
        return chinese_literals(path)
    finally:
        PACKAGE = saved


def test_every_entry_has_both_languages_and_the_same_fields():
    fields = re.compile(r"{(\w*)")
    no_english_word = {"city_suffix"}  # 市 after a city's name has no English counterpart
    for key, words in TEXT.items():
        assert words["zh"] and (words["en"] or key in no_english_word), key
        assert sorted(set(fields.findall(words["zh"]))) == sorted(
            set(fields.findall(words["en"]))
        ), key
    assert t("sec_summary", "zh") == "执行摘要"
