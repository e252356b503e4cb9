"""Learning-rate functions read from Python files (``train.py:get_lr``), checked against calling them.

The golden values come from importing the test data modules and calling their functions; lrviz itself
only parses them.
"""

from __future__ import annotations

import importlib.util
import math
import os
import shutil
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from lrviz.errors import SpecError
from lrviz.language import pyfunction
from lrviz.language.pyfunction import Parameter, PyFunction, load

DATA = Path(__file__).parent / "data" / "pyfunctions"


def _import(path: Path, name: str | None = None) -> ModuleType:
    """The module at ``path``, imported for real: the golden reference."""
    spec = importlib.util.spec_from_file_location(name or f"lrviz_golden_{path.stem}_{id(path)}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _calls(function: Any, steps: np.ndarray, **kwargs: Any) -> np.ndarray:
    return np.array([function(int(step), **kwargs) for step in steps], dtype=np.float64)


def _line(file: str, start: str) -> int:
    """The number of the first line of a test data file that starts with ``start``."""
    lines = (DATA / file).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(start))


def _write(tmp_path: Path, text: str, name: str = "train.py") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _first_error(function: Any, steps: np.ndarray) -> int | None:
    """The first step at which calling ``function`` raises, as Python does."""
    for step in steps:
        try:
            function(int(step))
        except (ArithmeticError, ValueError, AssertionError, NameError):
            return int(step)
    return None


# --- real-style functions against Python -------------------------------------------------------------

CASES = [
    ("nanogpt.py", "get_lr", {}, np.arange(0, 700_001, 97)),
    ("nanogpt.py", "get_lr", {}, np.arange(0, 3000)),
    (
        "annotated_transformer.py",
        "rate",
        {"model_size": 512, "factor": 1, "warmup": 4000},
        np.arange(0, 20_000),
    ),
    (
        "annotated_transformer.py",
        "rate",
        {"model_size": 256, "factor": 2, "warmup": 8000},
        np.arange(0, 20_000),
    ),
    ("ultralytics_lf.py", "lf_cos", {}, np.arange(0, 300)),
    ("ultralytics_lf.py", "lf_linear", {}, np.arange(0, 400)),
    ("inverse_sqrt.py", "inverse_sqrt", {}, np.arange(0, 50_000)),
    ("step_decay.py", "step_decay", {}, np.arange(0, 200)),
    ("wsd.py", "wsd_lr", {}, np.arange(0, 12_000)),
    ("from_math.py", "lr_lambda", {}, np.arange(0, 3000)),
    ("inlined.py", "get_lr", {}, np.arange(0, 1200)),
    ("inlined.py", "schedule", {}, np.arange(0, 1200)),
]
SEMANTICS = ["floors", "conversions", "rounding", "powers", "logic", "extremes", "maths", "ladder"]


@pytest.mark.parametrize(("file", "name", "values", "steps"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_matches_python(file: str, name: str, values: dict[str, float], steps: np.ndarray) -> None:
    expected = _calls(getattr(_import(DATA / file), name), steps, **values)
    got = load(DATA / file, name).evaluate(steps.astype(np.float64), values)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", SEMANTICS)
def test_python_semantics(name: str) -> None:
    """``//``, ``%`` of negatives, ``int()`` truncation, half-to-even ``round``, ``2 ** -1``, and/or."""
    steps = np.arange(0, 240)
    expected = _calls(getattr(_import(DATA / "semantics.py"), name), steps)
    got = load(DATA / "semantics.py", name).evaluate(steps.astype(np.float64))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-300)


def test_steps_in_any_order_and_shape() -> None:
    function = load(DATA / "nanogpt.py", "get_lr")
    steps = np.array([[599_999.0, 0.0, 5.0], [2000.0, 650_000.0, 1999.0]])
    expected = _calls(_import(DATA / "nanogpt.py").get_lr, steps.reshape(-1)).reshape(steps.shape)
    np.testing.assert_allclose(function.evaluate(steps), expected, rtol=1e-12)


def test_what_load_reads() -> None:
    function = load(DATA / "nanogpt.py", "get_lr")
    assert isinstance(function, PyFunction)
    line = _line("nanogpt.py", "def get_lr")
    assert (function.name, function.step, function.line, function.summary) == ("get_lr", "it", line, "")
    assert function.path == str(DATA / "nanogpt.py")
    assert function.parameters == tuple(
        Parameter(name, default, _line("nanogpt.py", f"{name} = "))
        for name, default in [
            ("learning_rate", 6e-4),
            ("warmup_iters", 2000),
            ("lr_decay_iters", 600000),
            ("min_lr", 6e-5),
        ]
    )
    rate = load(str(DATA / "annotated_transformer.py"), "rate")
    assert rate.summary == "we have to default the step to 1 for LambdaLR function"
    assert [(p.name, p.default) for p in rate.parameters] == [
        ("model_size", None),
        ("factor", None),
        ("warmup", None),
    ]
    sqrt = load(DATA / "inverse_sqrt.py", "inverse_sqrt")
    assert sqrt.parameters == (
        Parameter("warmup", 4000, _line("inverse_sqrt.py", "def inverse_sqrt")),
        Parameter("BASE_LR", 5e-4, _line("inverse_sqrt.py", "BASE_LR")),
    )
    assert sqrt.summary == "Linear warm-up, then lr ∝ 1/sqrt(step)."
    # Constants the helpers read count, and those read through other constants (FINAL = BASE_LR * 0.01).
    inlined = load(DATA / "inlined.py", "get_lr")
    assert [p.name for p in inlined.parameters] == ["scale", "BASE_LR", "WARMUP", "TOTAL", "FINAL"]
    lam = load(DATA / "ultralytics_lf.py", "lf_linear")
    line = _line("ultralytics_lf.py", "lf_linear")
    assert (lam.step, lam.line, [p.name for p in lam.parameters]) == ("x", line, ["epochs", "lrf"])


# --- overrides ---------------------------------------------------------------------------------------


def test_override_equals_the_module_patched() -> None:
    module = _import(DATA / "nanogpt.py")
    setattr(module, "warmup_iters", 200)  # noqa: B010
    setattr(module, "min_lr", 1e-5)  # noqa: B010
    steps = np.arange(0, 10_000)
    expected = _calls(module.get_lr, steps)
    got = load(DATA / "nanogpt.py", "get_lr").evaluate(
        steps.astype(float), {"warmup_iters": 200, "min_lr": 1e-5}
    )
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # the cached defaults are untouched by an override
    default = load(DATA / "nanogpt.py", "get_lr").evaluate(steps.astype(float))
    np.testing.assert_allclose(default, _calls(_import(DATA / "nanogpt.py").get_lr, steps), rtol=1e-12)


def test_override_of_a_constant_is_seen_by_constants_computed_from_it(tmp_path: Path) -> None:
    """WSD's decay_start = int(total_steps * (1 - decay_fraction)) follows total_steps: the file edited."""
    text = (DATA / "wsd.py").read_text(encoding="utf-8")
    edited = _write(tmp_path, text.replace("total_steps = 10_000", "total_steps = 20_000"), "wsd_edited.py")
    steps = np.arange(0, 22_000, 3)
    expected = _calls(_import(edited).wsd_lr, steps)
    got = load(DATA / "wsd.py", "wsd_lr").evaluate(steps.astype(float), {"total_steps": 20_000})
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_override_of_a_parameter_and_a_bool_constant() -> None:
    module = _import(DATA / "wsd.py")
    setattr(module, "use_sqrt_decay", False)  # noqa: B010
    steps = np.arange(0, 12_000, 7)
    expected = _calls(module.wsd_lr, steps, peak=1e-3)
    got = load(DATA / "wsd.py", "wsd_lr").evaluate(steps.astype(float), {"peak": 1e-3, "use_sqrt_decay": 0})
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_required_parameters() -> None:
    rate = load(DATA / "annotated_transformer.py", "rate")
    line = _line("annotated_transformer.py", "def rate")
    needs = rf"annotated_transformer.py line {line}: rate needs a value for its parameter model_size, "
    with pytest.raises(SpecError, match=needs + "which has no default"):
        rate.evaluate(np.arange(10.0))
    with pytest.raises(SpecError, match="parameter warmup"):
        rate.evaluate(np.arange(10.0), {"model_size": 512, "factor": 1})


def test_unknown_parameter_suggests_close_names() -> None:
    function = load(DATA / "nanogpt.py", "get_lr")
    with pytest.raises(
        SpecError, match=r"get_lr has no parameter warmup_iter \(did you mean warmup_iters\?\)"
    ):
        function.evaluate(np.arange(10.0), {"warmup_iter": 10})
    with pytest.raises(SpecError, match="must be a number"):
        function.evaluate(np.arange(10.0), {"warmup_iters": "10"})  # type: ignore[dict-item]


# --- refused constructs ------------------------------------------------------------------------------

HEADER = "import math\nimport numpy as np\nimport os\n\n"  # the function starts on line 5
REFUSED = [
    ("for i in range(3):\n        pass\n    return 1.0", 6, "a for loop"),
    ("while step:\n        step -= 1\n    return 1.0", 6, "a while loop"),
    ("return sum([s for s in range(3)])", 6, "a call to sum"),
    ("x = [s for s in range(3)]\n    return 1.0", 6, "a list comprehension"),
    ("x = max(s for s in (1, 2))\n    return 1.0", 6, "max of anything but"),
    ("import time\n    return 1.0", 6, "an import"),
    ("return self.epochs", 6, "an attribute (self.epochs)"),
    ("return np.cos(step)", 6, "a call to np.cos"),
    ("os.system('echo hi')\n    return 1.0", 6, "a call to os.system"),
    ("f = open('/tmp/x', 'w')\n    return 1.0", 6, "a call to open"),
    ("print(step)\n    return 1.0", 6, "a call to print"),
    ("return eval('1')", 6, "a call to eval"),
    ("return __import__('os')", 6, "a call to __import__"),
    ("return getattr(math, 'cos')(step)", 6, "a call to getattr(math, 'cos')"),
    ("x = (1, 2)\n    return x[0]", 6, "a tuple"),
    ("return {'a': 1}['a']", 6, "a subscript"),
    ("return 'fast'", 6, "a string"),
    ("global G\n    return 1.0", 6, "a global statement"),
    ("try:\n        x = 1\n    except Exception:\n        x = 2\n    return x", 6, "a try statement"),
    ("with open('x') as f:\n        pass\n    return 1.0", 6, "a with statement"),
    ("raise ValueError('no')", 6, "a raise statement"),
    ("yield 1.0", 6, "yield"),
    ("f = lambda s: s\n    return 1.0", 6, "a lambda inside the function"),
    ("return (y := step + 1)", 6, "an assignment expression"),
    ("return float(f'{step}')", 6, "an f-string"),
    ("return max(*(1, 2))", 6, "a starred argument"),
    ("return min(**{'a': 1})", 6, "keyword unpacking"),
    ("return", 6, "a return without a value"),
    ("return None", 6, "None"),
    ("return step is 1", 6, "the comparison is"),
    ("return step in (1, 2)", 6, "the comparison in"),
    ("return step & 1", 6, "the operator &"),
    ("return ~step", 6, "the operator ~"),
    ("x = 1\n    del x\n    return 1.0", 7, "a del statement"),
    ("def inner(s):\n        return s\n    return 1.0", 6, "a nested function"),
    ("return math.factorial(step)", 6, "math.factorial, which lrviz does not evaluate"),
    ("return math.isclose(step, 1)", 6, "math.isclose"),
    ("return math.cos", 6, "math.cos used as a value"),
    ("return abs", 6, "the function abs used as a value"),
    ("return 1j", 6, "a complex number"),
    ("return max(key=abs)", 6, "a keyword argument to max"),
    ("return math.cos(step, 2)", 6, "math.cos takes 1 argument, not 2"),
    ("return pow(step, 2, 3)", 6, "pow takes 2 arguments, not 3"),
    ("return min([])", 6, "min of an empty sequence"),
    ("return 100000000000000000000", 6, "a whole number beyond 2^53"),
    ("return undefined_thing", 6, "reads undefined_thing, which the module does not assign"),
    ("match step:\n        case 1:\n            return 1.0\n    return 2.0", 6, "a match statement"),
]


@pytest.mark.parametrize(("body", "line", "what"), REFUSED, ids=[r[2] for r in REFUSED])
def test_refused_constructs(tmp_path: Path, body: str, line: int, what: str) -> None:
    path = _write(tmp_path, f"{HEADER}def get_lr(step):\n    {body}\n")
    with pytest.raises(SpecError) as caught:
        load(path, "get_lr")
    message = str(caught.value)
    assert message.startswith(f"{path} line {line}: "), message
    assert what in message, message
    assert "\n" not in message


def test_the_subset_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "def get_lr(step):\n    for i in range(3):\n        pass\n    return 1.0\n")
    with pytest.raises(SpecError) as caught:
        load(path, "get_lr")
    assert str(caught.value) == (
        f"{path} line 2: a for loop is outside what lrviz reads of a function (if/elif/else, return, "
        "assignments, arithmetic, comparisons, and/or, conditional expressions, math.*, "
        "min/max/abs/int/float/round, assert)"
    )


SIGNATURES = [
    ("def get_lr(*steps):\n    return 1.0\n", 1, "*args"),
    ("def get_lr(step, **kw):\n    return 1.0\n", 1, "**kwargs"),
    ("def get_lr():\n    return 1.0\n", 1, "get_lr takes no step parameter"),
    ("import functools\n@functools.cache\ndef get_lr(step):\n    return 1.0\n", 2, "a decorator"),
    ("def get_lr(step):\n    return get_lr(step - 1)\n", 1, "recursion (get_lr → get_lr)"),
    ("def a(s):\n    return b(s)\ndef b(s):\n    return a(s)\nget_lr = lambda s: a(s)\n", 1, "recursion"),
    ("def f(s, k):\n    return s * k\ndef get_lr(step):\n    return f(step)\n", 4, "misses k"),
    ("def f(s):\n    return s\ndef get_lr(step):\n    return f(step, q=1)\n", 4, "f has no parameter q"),
    ("def get_lr(step, w=WARM):\n    return 1.0\nWARM = 3\n", 1, "which is not assigned before it"),
    ("def get_lr(step):\n    x = (1, 2)\n    return 1.0\n", 2, "a tuple"),
    ("def get_lr(step):\n    a, b = step\n    return a\n", 2, "an unpacking assignment"),
    ("def get_lr(step):\n    step.x = 1\n    return 1.0\n", 2, "an assignment to step.x"),
]


@pytest.mark.parametrize(("text", "line", "what"), SIGNATURES, ids=[s[2] for s in SIGNATURES])
def test_refused_signatures_and_calls(tmp_path: Path, text: str, line: int, what: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(SpecError) as caught:
        load(path, "get_lr")
    assert str(caught.value).startswith(f"{path} line {line}: "), str(caught.value)
    assert what in str(caught.value)


GLOBALS = [
    (
        "name = 'fast'\ndef get_lr(step):\n    return name\n",
        3,
        "get_lr reads name, which is not a numeric constant (line 1: name = 'fast', a string)",
    ),
    (
        "import yaml\ncfg = yaml.safe_load('a: 1')\ndef get_lr(step):\n    return cfg\n",
        4,
        "reads cfg, which is not a numeric constant "
        "(line 2: cfg = yaml.safe_load('a: 1'), a call to yaml.safe_load)",
    ),
    (
        "class Config:\n    lr = 0.1\ndef get_lr(step):\n    return Config\n",
        4,
        "reads Config, which is not a numeric constant (a class (line 1))",
    ),
    (
        "import sys\nif sys.argv:\n    lr = 0.1\ndef get_lr(step):\n    return lr\n",
        5,
        "assigned inside a top-level if block on line 2, which lrviz does not follow",
    ),
    (
        "lr = 0.1\nfor i in range(3):\n    lr *= 0.5\ndef get_lr(step):\n    return lr\n",
        5,
        "a top-level for loop on line 2",
    ),
    (
        "lr = 0.1\ndef setup():\n    global lr\n    lr = 1.0\ndef get_lr(step):\n    return lr\n",
        6,
        "declared global in setup",
    ),
    (
        "from config import *\ndef get_lr(step):\n    return lr\n",
        3,
        "it may come from the import * on line 1",
    ),
    (
        "lr = 0.1\nfrom config import *\ndef get_lr(step):\n    return lr\n",
        4,
        "perhaps replaced by the import * on line 2",
    ),
    (
        "A = 'x'\nB = A * 2\ndef get_lr(step):\n    return B\n",
        4,
        "reads B, which is not a numeric constant (line 2: B reads A",
    ),
    ("lr = 0.1\ndel lr\ndef get_lr(step):\n    return lr\n", 4, "deleted on line 2"),
    ("import torch\ndef get_lr(step):\n    return torch\n", 3, "a module (line 1)"),
    ("def f(s):\n    return s\ndef get_lr(step):\n    return f\n", 4, "a function (line 1)"),
    ("warmup_iters = 10\ndef get_lr(step):\n    return warmup_iter\n", 3, "(did you mean warmup_iters?)"),
    (
        "X = math.cos(1)\ndef get_lr(step):\n    return X\n",
        3,
        "X reads math, which is not assigned before it",
    ),
    ("x = 1 if __name__ == 'm' else 2\ndef get_lr(step):\n    return x\n", 3, "reads __name__"),
    ("lf = one_cycle(1, 0.1, 100)\ndef get_lr(step):\n    return lf(step)\n", 3, "a call to lf"),
]


@pytest.mark.parametrize(("text", "line", "what"), GLOBALS, ids=[g[2][:40] for g in GLOBALS])
def test_reading_what_is_not_a_numeric_constant(tmp_path: Path, text: str, line: int, what: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(SpecError) as caught:
        load(path, "get_lr")
    assert str(caught.value).startswith(f"{path} line {line}: "), str(caught.value)
    assert what in str(caught.value), str(caught.value)


def test_top_level_names_python_binds(tmp_path: Path) -> None:
    """``import math as m``, later assignments winning, tuple unpacking, augmented assignment, the
    ``__main__`` block skipped, bools as 0/1, a default read when the function is defined."""
    text = (
        "import math as m\nfrom math import pi as PI, sqrt\n"
        "A = 1\nA = 2\nB, C = A * 3, True\nD = E = 4\nD += 1\nK: float = m.e\n"
        "def get_lr(step, k=K + A):\n"
        "    return m.cos(PI * step / 100) * A + B + C + D + E + sqrt(k)\n"
        "K = 100\nA = 5\n"
        "if __name__ == '__main__':\n    A = 1000\n"
    )
    path = _write(tmp_path, text)
    steps = np.arange(0, 300)
    expected = _calls(_import(path).get_lr, steps)
    function = load(path, "get_lr")
    np.testing.assert_allclose(function.evaluate(steps.astype(float)), expected, rtol=1e-12)
    assert [p.name for p in function.parameters] == ["k", "B", "C", "E", "D", "A"]
    assert function.parameters[0].default == pytest.approx(math.e + 2)


# --- errors Python would raise -----------------------------------------------------------------------

RUNTIME = [
    ("x = 1 / (step - 50)\n    y = 1 / (step - 10)\n    return x + y", 7, "division by zero"),
    ("return 1.0 / (step - 3.0)", 6, "division by zero"),
    ("return step // (step - 4)", 6, "floor division by zero"),
    ("return step % (step - 4)", 6, "modulo by zero"),
    ("return math.log(step - 3)", 6, "math.log: math domain error"),
    ("return math.sqrt(5 - step)", 6, "math.sqrt: math domain error"),
    ("return math.exp(step * 20)", 6, "math.exp: math range error"),
    ("return int(math.inf) if step > 8 else 1", 6, "int() of an infinite number"),
    ("return round(math.nan) if step > 8 else 1", 6, "round() of nan"),
    ("return 0 ** (5 - step)", 6, "0 raised to a negative power"),
    ("return (step - 5.5) ** 0.5", 6, "complex number"),
    ("return 10.0 ** (step * 40)", 6, "too large for a float"),
    ("return math.acos(step / 10)", 6, "math.acos: math domain error"),
    ("return math.log(2, step - 1) if step > 1 else 0.0", 6, "math.log: division by zero"),
    ("return math.fmod(step, step - 7)", 6, "math.fmod: math domain error"),
    ("return math.gamma(7 - step)", 6, "math.gamma fails"),
    ("assert step < 20, 'past the end'\n    return 1.0", 6, "assert step < 20 fails (past the end)"),
    ("if step > 4:\n        x = 1\n    return x", 8, "x is read before it is assigned"),
    ("if step < 5:\n        return 1.0", 5, "get_lr returns None (it ends without a return on this path)"),
    ("return 3 ** (step * 4)", 6, "a whole number beyond 2^53"),
]


@pytest.mark.parametrize(("body", "line", "what"), RUNTIME, ids=[r[2] for r in RUNTIME])
def test_errors_python_raises_name_the_first_step(tmp_path: Path, body: str, line: int, what: str) -> None:
    path = _write(tmp_path, f"import math\n\n\n\ndef get_lr(step):\n    {body}\n")
    function = load(path, "get_lr")
    steps = np.arange(0, 60)
    first = _first_error(_import(path).get_lr, steps)
    if first is None:  # Python returns None, a complex number or a big int there instead of raising
        first = next(
            int(s)
            for s in steps
            if not isinstance(_import(path).get_lr(int(s)), (int, float))
            or abs(_import(path).get_lr(int(s))) > 2**53
        )
    with pytest.raises(SpecError) as caught:
        function.evaluate(steps.astype(float))
    message = str(caught.value)
    assert message.startswith(f"{path} line {line}: "), message
    assert what in message, message
    assert message.endswith(f" at step {first}"), message


def test_the_first_step_is_the_first_in_the_order_given(tmp_path: Path) -> None:
    path = _write(tmp_path, "def get_lr(step):\n    return 1 / (step - 5) + 1 / (step - 30)\n")
    with pytest.raises(SpecError, match=r"at step 30$"):
        load(path, "get_lr").evaluate(np.array([40.0, 30.0, 5.0]))


def test_untaken_branches_are_not_evaluated(tmp_path: Path) -> None:
    text = (
        "import math\n"
        "def get_lr(step):\n"
        "    if step == 0:\n        return 0.0\n"
        "    x = math.log(step) if step > 0 else math.log(-1)\n"
        "    y = step > 1 and 1 / (step - 1)\n"
        "    z = step <= 1 or math.sqrt(step - 2)\n"
        "    w = 0 < step - 1 < 1 / (step - 1)\n"
        "    return 1 / step + x + y + z + w + min(step, 2)\n"
    )
    path = _write(tmp_path, text)
    steps = np.arange(0, 100)
    got = load(path, "get_lr").evaluate(steps.astype(float))
    np.testing.assert_allclose(got, _calls(_import(path).get_lr, steps), rtol=1e-12)


def test_errors_in_a_called_function_name_it(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "def f(s):\n    return 1 / (s - 3)\n\ndef get_lr(step):\n    return 2 * f(step)\n"
    )
    with pytest.raises(SpecError, match=r"line 2: division by zero at step 3 \(in f\)$"):
        load(path, "get_lr").evaluate(np.arange(10.0))


def test_errors_in_module_constants(tmp_path: Path) -> None:
    path = _write(tmp_path, "import math\nX = math.log(0)\ndef get_lr(step):\n    return X\n")
    with pytest.raises(
        SpecError, match=r"line 2: math.log: math domain error \(computing the module constant X\)"
    ):
        load(path, "get_lr")


# --- files -------------------------------------------------------------------------------------------


def test_a_hostile_top_level_is_never_run(tmp_path: Path) -> None:
    path = tmp_path / "hostile_top_level.py"
    shutil.copy(DATA / "hostile_top_level.py", path)
    before = sorted(p.name for p in tmp_path.iterdir())
    modules = set(sys.modules)
    function = load(path, "get_lr")
    got = function.evaluate(np.arange(0, 30.0))
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not (tmp_path / "lrviz-ran-this").exists()
    assert set(sys.modules) - modules == set()
    np.testing.assert_allclose(got, np.minimum(1.0, (np.arange(0, 30.0) + 1) / 10), rtol=1e-15)
    assert function.parameters == (Parameter("warmup", 10, _line("hostile_top_level.py", "warmup")),)


def test_syntax_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "def get_lr(step):\n    return (step +\n")
    with pytest.raises(SpecError, match=r"train.py line \d+: a syntax error"):
        load(path, "get_lr")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"nope.py: no such file"):
        load(tmp_path / "nope.py", "get_lr")
    with pytest.raises(SpecError, match=": is a folder, not a Python file"):
        load(tmp_path, "get_lr")


def test_pipes_and_devices_are_never_read(tmp_path: Path) -> None:
    fifo = tmp_path / "train.py"
    os.mkfifo(fifo)  # opening it to read would block until a writer came
    with pytest.raises(SpecError, match=r"train.py: is not a regular file but a pipe: give a Python file"):
        load(fifo, "get_lr")
    with pytest.raises(SpecError, match=r"/dev/zero: is not a regular file but a device"):
        load("/dev/zero", "get_lr")


def test_non_utf8_and_a_coding_cookie(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    path.write_bytes(b"# caf\xe9\ndef get_lr(step):\n    return 1.0\n")
    with pytest.raises(SpecError, match=r"latin.py is not UTF-8 text \(byte 0xe9 at offset 5\)"):
        load(path, "get_lr")
    path.write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\ndef get_lr(step):\n    return 2.0\n")
    assert load(path, "get_lr").evaluate(np.zeros(1))[0] == 2.0
    path.write_bytes(b"def get_lr(step):\n    return 1.0\0\n")
    with pytest.raises(SpecError, match="null byte"):
        load(path, "get_lr")


def test_missing_function_suggests_close_names() -> None:
    with pytest.raises(
        SpecError,
        match=r"nanogpt.py has no top-level function or lambda named getlr \(did you mean get_lr\?\)",
    ):
        load(DATA / "nanogpt.py", "getlr")
    with pytest.raises(
        SpecError, match=r"has no top-level function or lambda named zzz; it has get_lr, estimate_loss"
    ):
        load(DATA / "nanogpt.py", "zzz")
    line = _line("nanogpt.py", "learning_rate")
    with pytest.raises(SpecError, match=rf"nanogpt.py line {line}: learning_rate is a value, not a function"):
        load(DATA / "nanogpt.py", "learning_rate")
    with pytest.raises(
        SpecError, match=rf"line {_line('nanogpt.py', 'import math')}: math is the module math"
    ):
        load(DATA / "nanogpt.py", "math")


def test_a_huge_file_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "def get_lr(step):\n    return 1.0\n" + "# padding\n" * 120_000)
    with pytest.raises(
        SpecError, match=r"train.py: is 1,2\d\d,\d\d\d bytes; a Python file may have at most 1,048,576"
    ):
        load(path, "get_lr")


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "def get_lr(step):\n    return " + "-" * 150 + "step\n")
    with pytest.raises(SpecError, match=r"train.py line 1: get_lr is nested more than 100 deep"):
        load(path, "get_lr")
    path = _write(tmp_path, "def get_lr(step):\n    return " + "+".join(["step"] * 100_000) + "\n")
    with pytest.raises(SpecError, match="nested"):
        load(path, "get_lr")
    path = _write(tmp_path, "def get_lr(step):\n    return " + "(" * 1000 + "step" + ")" * 1000 + "\n")
    with pytest.raises(SpecError, match=r"train\.py"):
        load(path, "get_lr")
    chain = "A0 = 1\n" + "".join(f"A{i} = A{i - 1} + 1\n" for i in range(1, 3000))
    path = _write(tmp_path, chain + "def get_lr(step):\n    return A2999 * step\n")
    assert load(path, "get_lr").evaluate(np.array([2.0]))[0] == 6000.0


def test_parsed_files_are_cached_until_they_change(tmp_path: Path) -> None:
    path = _write(tmp_path, "def get_lr(step):\n    return 1.0\n")
    first = load(path, "get_lr")
    assert load(path, "get_lr")._program.module is first._program.module
    _write(tmp_path, "def get_lr(step):\n    return 2.0 + step\n")
    assert load(path, "get_lr").evaluate(np.array([1.0]))[0] == 3.0
    assert len(pyfunction._CACHE) <= pyfunction._CACHE_SIZE


def test_a_million_steps_take_well_under_a_second() -> None:
    function = load(DATA / "nanogpt.py", "get_lr")
    steps = np.arange(1_000_000, dtype=np.float64)
    function.evaluate(steps[:10])
    start = time.perf_counter()
    function.evaluate(steps)
    assert time.perf_counter() - start < 1.0


# --- random expressions against Python ---------------------------------------------------------------

try:
    import hypothesis
    from hypothesis import strategies as st
except ImportError:  # the tests above need only numpy
    hypothesis = None  # type: ignore[assignment]

if hypothesis is not None:
    _LEAVES = ["x", "K", "F", "2", "3", "0.5", "1.5", "-1", "7", "True", "(x - 4)", "(x % 3)"]
    _UNARY = [
        "-{}", "abs({})", "int({})", "float({})", "round({})", "math.floor({})", "math.sqrt({})",
        "math.exp({})", "math.log({})", "math.cos({})", "(not {})", "round({}, 2)",
    ]  # fmt: skip
    _BINARY = [
        "({} + {})", "({} - {})", "({} * {})", "({} / {})", "({} // {})", "({} % {})", "(abs({}) ** {})",
        "min({}, {})", "max({}, {})", "({} < {})", "({} == {})", "({} and {})", "({} or {})",
        "math.pow({}, {})", "math.atan2({}, {})", "({} <= {} < {})",
    ]  # fmt: skip
    _STEPS = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10]
    _GLOBALS = "import math\nK = 3\nF = 0.25\n"

    def _expressions(leaves: list[str] = _LEAVES) -> Any:
        def grow(inner: Any) -> Any:
            return st.one_of(
                st.tuples(st.sampled_from(_UNARY), inner).map(lambda p: p[0].format(p[1])),
                st.tuples(st.sampled_from(_BINARY), inner, inner, inner).map(lambda p: p[0].format(*p[1:])),
                st.tuples(inner, inner, inner).map(lambda p: f"({p[0]} if {p[1]} else {p[2]})"),
            )

        return st.recursive(st.sampled_from(leaves), grow, max_leaves=8)

    def _python(function: Any) -> tuple[list[float], int | None]:
        """The function's values at the steps, with Python, until the first step at which it raises."""
        values: list[float] = []
        for step in _STEPS:
            try:
                value = function(step)
            except (ArithmeticError, ValueError, TypeError, NameError, AssertionError):
                return values, step
            if not isinstance(value, (int, float)) or (isinstance(value, int) and abs(value) > 1e308):
                return values, step  # None, a complex number: lrviz refuses these
            values.append(float(value))
        return values, None

    def _compare(path: Path, name: str) -> None:
        values, failing = _python(getattr(_import(path), name))
        function = load(path, name)
        try:
            got = function.evaluate(np.array(_STEPS, dtype=np.float64))
        except SpecError as error:
            message = str(error)
        else:
            message = ""
        if message:
            # An int beyond 2^53 that Python carries exactly (and may shrink again) is refused by lrviz.
            hypothesis.assume("beyond 2^53" not in message)
            assert failing is not None, message
            assert message.endswith(f" at step {failing}"), message
            return
        assert failing is None, f"Python fails at step {failing}"
        np.testing.assert_allclose(got, values, rtol=1e-12, atol=1e-300)

    @hypothesis.settings(max_examples=150, deadline=None, derandomize=True, database=None)
    @hypothesis.given(expression=_expressions())
    def test_random_expressions_match_python(
        tmp_path_factory: pytest.TempPathFactory, expression: str
    ) -> None:
        path = tmp_path_factory.mktemp("expr") / "expr.py"
        path.write_text(f"{_GLOBALS}lr_lambda = lambda x: {expression}\n", encoding="utf-8")
        _compare(path, "lr_lambda")

    _VARIABLES = ["v0", "v1", "v2", "v3"]

    def _blocks(depth: int) -> Any:
        expression = _expressions([*_LEAVES, *_VARIABLES])
        simple = st.one_of(
            st.tuples(st.sampled_from(_VARIABLES), expression).map(lambda p: [f"{p[0]} = {p[1]}"]),
            st.tuples(st.sampled_from(_VARIABLES), st.sampled_from("+-*/"), expression).map(
                lambda p: [f"{p[0]} {p[1]}= {p[2]}"]
            ),
            expression.map(lambda e: [f"return {e}"]),
            expression.map(lambda e: [f"assert {e}"]),
        )
        if depth == 0:
            return st.lists(simple, min_size=1, max_size=3).map(lambda ls: [s for part in ls for s in part])
        inner = _blocks(depth - 1)
        branch = st.tuples(expression, inner, st.one_of(st.none(), inner)).map(
            lambda p: (
                [f"if {p[0]}:", *("    " + s for s in p[1])]
                + ([] if p[2] is None else ["else:", *("    " + s for s in p[2])])
            )
        )
        return st.lists(st.one_of(simple, branch), min_size=1, max_size=3).map(
            lambda ls: [s for part in ls for s in part]
        )

    @hypothesis.settings(max_examples=150, deadline=None, derandomize=True, database=None)
    @hypothesis.given(body=_blocks(2), end=_expressions([*_LEAVES, *_VARIABLES]))
    def test_random_functions_match_python(
        tmp_path_factory: pytest.TempPathFactory, body: list[str], end: str
    ) -> None:
        """Branches, assignments, early returns, asserts and unassigned locals, as Python runs them."""
        lines = ["v0 = x", "v1 = 1.5", "v2 = K", *body, f"return {end}", "v3 = 0  # makes v3 a local"]
        text = _GLOBALS + "def get_lr(x):\n" + "".join(f"    {line}\n" for line in lines)
        path = tmp_path_factory.mktemp("function") / "function.py"
        path.write_text(text, encoding="utf-8")
        _compare(path, "get_lr")
