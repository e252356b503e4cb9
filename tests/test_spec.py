"""The grammar: what parses to what, what is refused and how, and that no text breaks the parser."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lrviz
from lrviz.errors import LrvizError, SpecError
from lrviz.language.tree import Call, Constant, Operation, Variable


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("cosine", "cosine"),
        ("cosine(0.1, min_lr=1e-5)", "cosine(0.1, min_lr=1e-05)"),
        ("cosine(max_lr=0.1)", "cosine(0.1)"),
        ("cosine(lr=0.1)", "cosine(0.1)"),
        ("step(0.1, step_size=30)", "step(0.1, 30)"),
        ("multistep(0.1, (30, 60))", "multistep(0.1, [30, 60])"),
        (
            "linear(0, 0.1, steps=5) >> cosine(0.1, steps=9) >> 0.001",
            "linear(0.0, 0.1, steps=5) >> cosine(0.1, steps=9) >> 0.001",
        ),
        ("0.5 * cosine(0.1)", "0.5 * cosine(0.1)"),
        ("0.1 * 0.95 ** t", "0.1 * (0.95 ** t)"),
        ("-t", "-t"),
        ("interp({0: 0, 10: 1})", "interp([(0.0, 0.0), (10.0, 1.0)])"),
        ("seq(cosine(0.1), 0.01, at=[50])", "seq(cosine(0.1), 0.01, at=[50])"),
        ("1e-3", "0.001"),
    ],
)
def test_parse_and_render(text: str, rendered: str) -> None:
    assert lrviz.parse(text).render() == rendered


def test_the_tree_is_data() -> None:
    spec = lrviz.parse("0.5 * cosine(0.1, steps=10)")
    assert isinstance(spec, Operation)
    assert spec.symbol == "*"
    number, call = spec.operands
    assert isinstance(number, Constant)
    assert number.number == 0.5
    assert isinstance(call, Call)
    assert call.entry.name == "cosine"
    assert call.args == {"max_lr": 0.1, "steps": 10}
    assert call.length == 10
    assert spec.length == 10
    assert isinstance(lrviz.parse("T"), Variable)


def test_numbers_fold_before_binding() -> None:
    spec = lrviz.parse("cosine(0.2 / 2, steps=2 * 5)")
    assert isinstance(spec, Call)
    assert spec.args == {"max_lr": 0.1, "steps": 10}
    assert lrviz.parse("step(0.1, 1e3)").args["step_size"] == 1000  # type: ignore[attr-defined]


def test_json_data_resolves_defaults_and_horizon() -> None:
    data = lrviz.parse("cosine(0.1, warmup=0.1)").to_data(200)
    assert data == {
        "schedule": "cosine",
        "max_lr": 0.1,
        "min_lr": 0.0,
        "steps": 200,
        "warmup": 20,
        "warmup_start": 0.0,
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the spec is empty"),
        ("cosine(0.1", "cannot parse"),
        ("cosin(0.1)", "unknown schedule or function 'cosin'; did you mean 'cosine'"),
        ("torch.StepLr(step_size=3)", "function 'torch.StepLr'; did you mean 'torch.StepLR'"),
        ("pytorch.StepLR(step_size=3)", "did you mean 'torch.StepLR'"),
        (
            "zzz.qqq(1)",
            "unknown schedule or function 'zzz.qqq'; the framework dialects are hf., keras., optax.",
        ),
        ("__import__('os')", "unknown schedule or function '__import__'"),
        ("cosine.__class__", "unknown schedule or function 'cosine.__class__'"),
        ("lambda: 1", "a lambda in a spec takes exactly one parameter"),
        ("t[0]", "t[0]: not allowed in a spec"),
        ("[c for c in t]", "not allowed in a spec"),
        ("cosine(0.1, gama=3)", "cosine has no parameter 'gama'"),
        ("step(0.1, 3, gama=3)", "step has no parameter 'gama'; did you mean gamma?"),
        ("cosine(0.1, 0, 10, 3)", "cosine takes at most 3 positional arguments"),
        ("cosine(0.1, lr=0.2)", "max_lr is given twice"),
        ("cosine(0.1, steps=0)", "steps must be a positive integer, got 0"),
        ("cosine(0.1, steps=2.5)", "steps must be a positive integer, got 2.5"),
        ("cosine('a')", "max_lr must be a finite number, got 'a'"),
        ("step(0.1, 3, gamma=0)", "gamma must be a positive number, got 0"),
        ("step(0.1, 3, gamma=-1)", "gamma must be a positive number, got -1"),
        ("cosine(0.1, min_lr=0.2)", "min_lr (0.2) must not exceed max_lr (0.1)"),
        ("onecycle(0.1, pct_start=1.5)", "pct_start must be a number strictly between 0 and 1, got 1.5"),
        ("onecycle(0.1, pct_start=0.6, three_phase=True)", "pct_start must be below 0.5 with three_phase"),
        ("cosine(0.1, warmup=1.5)", "warmup must be a whole number of steps"),
        ("multistep(0.1, [60, 30])", "milestones must be a list of strictly increasing whole steps"),
        ("multistep(0.1, [-1, 30])", "milestones must be a list of strictly increasing whole steps"),
        ("piecewise([10], [0.1])", "values needs one more entry than boundaries"),
        ("cyclic(0.1, 1, 2, mode='triangle')", "did you mean 'triangular'?"),
        ("polynomial(0.1, cycle=1)", "cycle must be True or False, got 1"),
        ("cosine(t)", "max_lr must be a plain value, not the schedule 't'"),
        ("cosine(0.1) >> cosine(0.1)", "the left side of >> must have a length"),
        ("seq(cosine(0.1), 1, 2, at=[5])", "at needs 2 switch steps for 3 schedules, got 1"),
        ("restarts(cosine(0.1))", "restarts needs period="),
        ("restarts(cosine(0.1), period=3, mult=1.5)", "mult must be a positive integer, got 1.5"),
        ("1 / 0", "1 / 0: does not give a finite number"),
        ("exp(1000)", "does not give a finite number"),
        ("'text'", "must be a schedule or a number, got 'text'"),
        ("exp", "exp is a function: call it"),
        ("exp(1, 2)", "exp takes 1 positional argument"),
        ("t(1)", "t is a variable"),
        ("cosine(**{'max_lr': 1})", "** unpacking is not allowed"),
        ("cosine(*[1])", "* unpacking is not allowed"),
        ("not t", "not t: this operator is not allowed"),
        ("t @ t", "this operator is not allowed"),
        ("1 if t else 2", "not allowed in a spec"),
        ("x" * 10_001, "at most 10,000 are read"),
    ],
)
def test_bad_specs(text: str, message: str) -> None:
    with pytest.raises(SpecError) as error:
        lrviz.evaluate(lrviz.parse(text), 10)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_missing_parameter_says_how_to_give_it() -> None:
    with pytest.raises(SpecError, match=r"missing max_lr \(the rate at step 0\): give max_lr=… in the call"):
        lrviz.evaluate("cosine", 10)


def test_options_set_parameters_everywhere_they_exist() -> None:
    values = lrviz.evaluate("linear(0, 1, steps=2) >> cosine(1)", 4, max_lr=0.5)
    assert values[2] == 0.5
    with pytest.raises(SpecError, match=r"no schedule in 'step\(1, 2\)' takes gama; did you mean gamma"):
        lrviz.evaluate("step(1, 2)", 4, gama=1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("log(t)", "'log(t)' gives -inf at step 0"),
        ("log(T / (t + 1)) / log(T)", "gives nan at step 0"),
        ("1 / (t - 3)", "gives inf at step 3"),
        ("exponential(0.1, 1e10)", "gives inf at step"),
    ],
)
def test_non_finite_rates_name_the_first_step(text: str, message: str) -> None:
    steps = 1 if "log(T" in text else 100
    with pytest.raises(LrvizError, match=message.replace("(", r"\(").replace(")", r"\)")):
        lrviz.evaluate(text, steps)


GRAMMAR_PIECES = [
    "cosine",
    "step",
    "t",
    "T",
    "(",
    ")",
    "[",
    "]",
    ",",
    "*",
    "+",
    "-",
    "/",
    "**",
    ">>",
    "0.1",
    "3",
    "=",
    "steps",
    "gamma",
    "exp",
    "log",
    "where",
    "'",
    "seq",
    "at",
    "restarts",
    "warmup",
    "1e9",
    "-1",
    " ",
    "<",
    "{",
    "}",
    ":",
    "lambda",
    ".",
    "torch",
    "piecewise",
    "interp",
    "0",
    "_",
    "%",
    "//",
    "nan",
]


@given(st.one_of(st.text(max_size=60), st.lists(st.sampled_from(GRAMMAR_PIECES), max_size=14).map("".join)))
def test_any_text_is_a_schedule_or_lrvizs_own_error(text: str) -> None:
    try:
        spec = lrviz.parse(text)
        lrviz.evaluate(spec, 7)
    except LrvizError:
        pass
