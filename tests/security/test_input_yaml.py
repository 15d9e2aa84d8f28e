"""Red team of every YAML reader (issue #15 item 5): alias bombs, anchors, deep nesting, huge
files, system files named as parameter files. Each is refused in one line, fast."""

from __future__ import annotations

import pytest
from attack_tools import refused, small_dataset

BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ]
)  # 9**9 = 387 M strings once expanded


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return small_dataset(tmp_path_factory.mktemp("yaml") / "data", n=60)


def test_alias_bomb_in_report_parameters(tmp_path, data):
    params = tmp_path / "p.yaml"
    params.write_text(f"data: {data}\n{BOMB}\n", encoding="utf-8")
    refused(["report", "--params", str(params), "--out", str(tmp_path / "r")],
            r"p\.yaml: YAML anchors and aliases .* at line 2", watch=(tmp_path,),
            hidden=("lol",))  # fmt: skip


def test_alias_bomb_in_a_batch_file(tmp_path, data):
    batch = tmp_path / "b.yaml"
    batch.write_text(f"name: b\nruns:\n  - {{data: {data}}}\n{BOMB}\n", encoding="utf-8")
    refused(["batch", str(batch), "--out", str(tmp_path / "out")], r"b\.yaml: YAML anchors",
            watch=(tmp_path,), hidden=("lol",))  # fmt: skip


def test_alias_bomb_in_a_dataset_spec(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"table: t.csv\n{BOMB}\n", encoding="utf-8")
    refused(["validate", str(spec)], r"spec\.yaml: YAML anchors", hidden=("lol",))


def test_alias_bomb_in_dataset_yaml(tmp_path, data):
    import shutil

    folder = shutil.copytree(data, tmp_path / "d")
    with open(folder / "dataset.yaml", "a", encoding="utf-8") as fh:
        fh.write(f"description: *x\nx: &x {BOMB.splitlines()[0][6:]}\n")
    refused(["validate", str(folder)], r"dataset\.yaml: YAML anchors", hidden=("lol",))


def test_alias_bomb_in_the_simulation_config(tmp_path):
    config = tmp_path / "sim.yaml"
    config.write_text(f"{BOMB}\n", encoding="utf-8")
    refused(["simulate", "--out", str(tmp_path / "s"), "--config", str(config)],
            r"sim\.yaml: YAML anchors", watch=(tmp_path,))  # fmt: skip


def test_a_single_anchor_is_refused_too(tmp_path, data):
    params = tmp_path / "p.yaml"
    params.write_text(f"data: {data}\nname: &n x\ntitle: *n\n", encoding="utf-8")
    refused(["report", "--params", str(params)], r"anchors and aliases .* line 2")


def test_deep_nesting_is_refused_without_a_recursion_traceback(tmp_path):
    params = tmp_path / "p.yaml"
    params.write_text("data: " + "[" * 20_000 + "]" * 20_000 + "\n", encoding="utf-8")
    refused(["report", "--params", str(params)], r"p\.yaml: YAML nesting is deeper than 50")


def test_a_huge_parameter_file_is_refused_before_parsing(tmp_path):
    params = tmp_path / "p.yaml"
    params.write_text("data: x\n" + "# padding\n" * 200_000, encoding="utf-8")
    refused(["report", "--params", str(params)], r"larger than 1024 KiB")


def test_a_long_value_is_cut_in_the_message(tmp_path, data):
    params = tmp_path / "p.yaml"
    params.write_text(f"data: {data}\nname: {list(range(5000))}\n", encoding="utf-8")
    message = refused(["report", "--params", str(params)], r"name \[0, 1, 2.*\.\.\. is not")
    assert len(message) < 300


def test_a_system_file_as_parameter_file_prints_none_of_it(tmp_path):
    passwd = tmp_path / "passwd"
    passwd.write_text("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n")
    refused(["report", "--params", str(passwd)], r"passwd: expected a mapping of parameters",
            hidden=("alice", "/bin/bash"))  # fmt: skip


def test_a_huge_structure_in_a_spec_is_cut_in_the_message(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"table: t.csv\ntime: t\nevent: e\ncovariates: {{x: {list(range(5000))}}}\n",
                    encoding="utf-8")  # fmt: skip
    message = refused(["validate", str(spec)], r"spec\.yaml: .*covariates .*\.\.\.")
    assert len(message) < 400
