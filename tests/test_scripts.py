"""``FILE.py:FUNCTION`` as a spec: a training script's own rate function, read (never run) and evaluated
over the run — on the command line, in configs (found beside them), in expressions, with its constants
set by options; the golden numbers are the script's function called in Python."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lrviz

DATA = Path(__file__).parent / "data" / "pyfunctions"


def golden(path: Path, name: str, steps: int, **patched: Any) -> np.ndarray:
    """The script's function called in Python at each step (the module imported for real)."""
    spec = importlib.util.spec_from_file_location(f"lrviz_golden_{path.stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for key, value in patched.items():
        setattr(module, key, value)
    function = getattr(module, name)
    return np.array([float(function(t)) for t in range(steps)])


@pytest.fixture
def script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(DATA / "nanogpt.py", tmp_path / "train.py")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "train.py"


def test_a_script_spec_is_the_function_called_in_python(script: Path) -> None:
    theirs = golden(script, "get_lr", 5000, warmup_iters=200, lr_decay_iters=4000)
    ours = lrviz.evaluate("train.py:get_lr(warmup_iters=200, lr_decay_iters=4000)", 5000)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    by_option = lrviz.evaluate("train.py:get_lr", 5000, warmup_iters=200, lr_decay_iters=4000)
    np.testing.assert_allclose(by_option, theirs, rtol=1e-12)


def test_in_expressions_and_sequences(script: Path) -> None:
    theirs = golden(script, "get_lr", 300, warmup_iters=100)
    ours = lrviz.evaluate("seq(0.5 * train.py:get_lr(warmup_iters=100), constant(1e-5), at=[300])", 400)
    np.testing.assert_allclose(ours[:300], 0.5 * theirs, rtol=1e-12)
    assert ours[300:].tolist() == [1e-5] * 100


def test_on_the_command_line_with_options(script: Path, cli: Any) -> None:
    result = cli("export", "train.py:get_lr", "--steps", "3000", "--warmup-iters", "500", "--format", "csv")
    assert result.code == 0, result.err
    rates = np.array([float(line.split(",")[1]) for line in result.out.splitlines()[1:]])
    np.testing.assert_allclose(rates, golden(script, "get_lr", 3000, warmup_iters=500), rtol=1e-12)
    described = cli("describe", "train.py:get_lr")
    assert described.code == 0, described.err
    assert "warmup_iters" in described.out
    assert "default 2000" in described.out


def test_in_a_config_the_script_is_found_beside_it(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "recipes"
    folder.mkdir()
    shutil.copy(DATA / "annotated_transformer.py", folder / "model.py")
    (folder / "run.yaml").write_text(
        "steps: 1000\nschedules:\n  rate:\n    spec: model.py:rate\n    model_size: 512\n    factor: 1.0\n"
        "    warmup: 400\n"
    )
    monkeypatch.chdir(tmp_path)
    result = cli("export", "recipes/run.yaml", "--format", "csv")
    assert result.code == 0, result.err
    rates = np.array([float(line.split(",")[1]) for line in result.out.splitlines()[1:]])
    spec = importlib.util.spec_from_file_location("lrviz_golden_rate", folder / "model.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    theirs = [module.rate(t, 512, 1.0, 400) for t in range(1000)]
    np.testing.assert_allclose(rates, theirs, rtol=1e-12)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("import os\ndef f(step):\n    os.system('touch ran')\n    return 1\n", "line 3"),
        ("def f(step):\n    for i in range(3):\n        pass\n    return 1\n", "line 2: a for loop"),
        ("def f(step):\n    return open('x').read()\n", "line 2"),
        ("def f(step):\n    import os\n    return 1\n", "line 2"),
        ("def f(step):\n    return self.lr\n", "line 2"),
    ],
)
def test_anything_outside_the_subset_is_refused_without_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any, body: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.py").write_text(body)
    result = cli("table", "bad.py:f", "--steps", "5")
    assert result.code == 2
    assert message in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert not (tmp_path / "ran").exists()


def test_missing_files_and_functions(script: Path, cli: Any) -> None:
    assert "no such file" in cli("table", "nope.py:f", "--steps", "5").err
    missing = cli("table", "train.py:get_lrr", "--steps", "5")
    assert missing.code == 2
    assert "did you mean get_lr?" in missing.err


def test_the_spec_reads_the_file_as_it_is_now(script: Path) -> None:
    before = lrviz.evaluate("train.py:get_lr", 10)
    script.write_text(script.read_text().replace("learning_rate = 6e-4", "learning_rate = 1e-3"))
    after = lrviz.evaluate("train.py:get_lr", 10)
    np.testing.assert_allclose(after, before * (1e-3 / 6e-4), rtol=1e-12)


def test_a_constant_set_reaches_the_constants_written_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "consts.py").write_text(
        "import math\nlearning_rate = 1e-3\nmax_iters = 1000\nlr_decay_iters = max_iters\n"
        "min_lr = learning_rate / 10\n\n\ndef get_lr(it):\n"
        "    if it > lr_decay_iters:\n        return min_lr\n"
        "    return min_lr + 0.5 * (1 + math.cos(math.pi * it / lr_decay_iters)) * (learning_rate - min_lr)\n"
    )
    theirs = golden(tmp_path / "consts.py", "get_lr", 1000, lr_decay_iters=500, min_lr=1e-4)
    np.testing.assert_allclose(lrviz.evaluate("consts.py:get_lr", 1000, max_iters=500), theirs, rtol=1e-12)
    pinned = golden(tmp_path / "consts.py", "get_lr", 1000, lr_decay_iters=1000, min_lr=1e-4)
    ours = lrviz.evaluate("consts.py:get_lr(max_iters=500, lr_decay_iters=1000)", 1000)
    np.testing.assert_allclose(ours, pinned, rtol=1e-12)


def test_a_path_it_cannot_read_is_said_without_internals(cli: Any) -> None:
    result = cli("table", "dir with space/my train.py:get_lr", "--steps", "5")
    assert result.code == 2
    assert "__script" not in result.err
    assert "without spaces" in result.err
