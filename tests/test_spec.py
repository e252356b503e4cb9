"""The grammar: what parses to what, what is refused and how, and that no text breaks the parser."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lrviz
from lrviz.errors import LrvizError, SpecError
from lrviz.language.tree import Call, Constant, Operation, Variable
from lrviz.limits import cut


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
            "unknown schedule or function 'zzz.qqq'; the framework dialects are bolts., deepspeed.",
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


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cosine(0.1, warmup=0.05, min_lr=-1e308)", "gives nan at step 0"),  # the ramp: inf − inf
        ("keras.ReduceLROnPlateau(patience=3, factor=0.5, lr=1e300)", "gives inf at step 0"),  # its marks
        ("0.1 * 1e300 ** t", "gives inf at step 2"),
    ],
)
def test_a_rate_that_overflows_is_an_error_and_no_warning(text: str, message: str) -> None:
    """numpy's overflow and invalid-value warnings never reach the user (the tests make warnings
    errors): a rate that is not finite is refused, with its step, by the finiteness check."""
    with pytest.raises(LrvizError, match=message):
        lrviz.evaluate(text, 50, metric=np.linspace(3, 1, 50))


def test_rates_near_float64s_largest_evaluate_without_a_warning() -> None:
    np.testing.assert_array_equal(lrviz.evaluate("1e308", 20), np.full(20, 1e308))


def test_pythons_syntax_warnings_stay_in_the_parser() -> None:
    """``0.1if t`` makes Python warn about its own syntax; the user gets one error, no warning."""
    with pytest.raises(SpecError, match="not allowed in a spec"):
        lrviz.parse("0.1if t else 0.2")


@pytest.mark.parametrize(
    "text",
    [
        "step(0.1, 1e19)",
        "step(0.1, 2**53 + 1)",
        "cyclic(0.001, 0.1, step_size=1e308)",
        "noam(512, warmup=1e308)",
        "restarts(cosine(0.1), period=10, mult=1e308)",
        "multistep(0.1, [10, 10**30])",
        "warmup(plateau(0.1), 1e308)",
        "optax.linear_schedule(0.0, 1e-3, transition_steps=10, transition_begin=-1e308)",
        "torch.OneCycleLR(optimizer, max_lr=0.1, epochs=17, steps_per_epoch=1e308)",
        "timm.PlateauLRScheduler(optimizer, lr=0.1, warmup_t=1e300)",
    ],
)
def test_whole_steps_beyond_2_to_the_53_are_refused_by_their_kind(text: str) -> None:
    """A whole number of steps past 2^53 (no run reaches it, and float64 no longer counts every step
    there) is refused when the call is bound, with the limit named, before any arithmetic on it."""
    with pytest.raises(SpecError, match=r"must be .*: whole numbers of steps are at most 2\^53 = 9,007,199,"):
        lrviz.parse(text)


@pytest.mark.parametrize(
    "text", ["step(0.1, 2**53)", "cyclic(0.001, 0.1, step_size=2**53)", "noam(warmup=2**53)"]
)
def test_a_period_longer_than_the_run_stays_legal(text: str) -> None:
    assert np.isfinite(lrviz.evaluate(text, 20)).all()


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("torch.OneCycleLR(optimizer, max_lr=0.1, total_steps=1000, div_factor=0)", "a division by zero"),
        (
            "torch.CyclicLR(optimizer, base_lr=0.001, max_lr=0.1, mode='triangular2', step_size_up=0)",
            "division",
        ),
        ("optax.cosine_onecycle_schedule(1000, 0.1, div_factor=0)", "a division by zero"),
        ("optax.linear_onecycle_schedule(1000, 0.1, pct_start=-1e308)", "an overflow"),
        ("hf.get_cosine_with_min_lr_schedule_with_warmup(optimizer, 17, 9, min_lr=0, lr=0)", "division"),
        ("timm.TanhLRScheduler(optimizer, t_initial=100, lr=0.1, cycle_mul=0)", "outside its domain"),
        ("timm.CosineLRScheduler(optimizer, t_initial=100, lr=0.1, cycle_mul=0)", "outside its domain"),
        ("restarts(cosine(0.1), period=10, mult=2, decay=1e300)", "an overflow"),
    ],
)
def test_arithmetic_that_fails_on_the_arguments_is_an_error_naming_the_call(text: str, what: str) -> None:
    """Arguments that make a schedule's own arithmetic fail (the framework's too) are one SpecError,
    from the one place a schedule is called, whatever the schedule."""
    with pytest.raises(SpecError) as error:
        lrviz.evaluate(text, 50)
    message = str(error.value)
    assert message.startswith(f"{cut(text)}: cannot be computed with these arguments: ")
    assert what in message
    assert "\n" not in message


SGDR_CYCLE = {"init_value": "0", "peak_value": "0.1", "warmup_steps": "10", "decay_steps": "200"}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("warmup_steps", "t", "warmup_steps must be a whole number, got t"),
        ("warmup_steps", "1e300", "warmup_steps must be a whole number, got 1e+300: whole numbers of steps"),
        ("init_value", "'a'", "init_value must be a finite number, got 'a'"),
        ("decay_steps", "cosine(0.1)", "decay_steps must be a positive integer, got cosine(0.1)"),
    ],
)
def test_the_values_inside_sgdrs_dicts_are_checked_by_their_kinds(key: str, value: str, message: str) -> None:
    """A dict's values are checked as the parameters optax passes them to, by their kinds."""
    cycle = ", ".join(f"{k!r}: {value if k == key else v}" for k, v in SGDR_CYCLE.items())
    with pytest.raises(SpecError, match=f"cycle 1 of cosine_kwargs: .*{re.escape(message)}"):
        lrviz.evaluate(f"optax.sgdr_schedule([{{{cycle}}}])", 20)


@pytest.mark.parametrize(
    ("constants", "message"),
    [
        ([1, 2], "constants must be a mapping of names to numbers"),
        ({"E": [1]}, "constants must map names to numbers"),
        ({1: 5}, "constants must map names to numbers"),
        ({"E": True}, "constants must map names to numbers"),
        ({"E": float("nan")}, "constant 'E' must be a finite number"),
        ({"E": 10**400}, "constant 'E' must be a finite number"),
    ],
)
def test_the_runs_constants_must_be_names_and_numbers(constants: object, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        lrviz.parse("cosine(0.1, warmup=E)", constants)  # type: ignore[arg-type]
    assert lrviz.parse("cosine(0.1, warmup=E)", {"E": np.int64(5)}).args["warmup"] == 5  # type: ignore[attr-defined,dict-item]


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


LEAVES = st.one_of(
    st.floats(-10, 10, allow_nan=False).map(repr),
    st.integers(-5, 5).map(str),
    st.sampled_from(("-0.0", "-2.5", "-1", "t", "T", "cosine(0.1)", "linear(0, 0.1, steps=5)")),
)


def _expressions(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(("+", "-", "*", "/", "**", "%", "//", "<")), children).map(
            lambda p: f"({p[0]}) {p[1]} ({p[2]})"
        ),
        children.map(lambda x: f"-({x})"),
        children.map(lambda x: f"exp(-abs({x}))"),
        children.map(lambda x: f"optax.join_schedules([{x}], [])"),
        st.tuples(children, children).map(lambda p: f"optax.join_schedules([{p[0]}, {p[1]}], [3])"),
    )


@given(text=st.recursive(LEAVES, _expressions, max_leaves=6), steps=st.integers(1, 12))
def test_a_rendered_spec_parses_back_to_the_same_schedule(text: str, steps: int) -> None:
    """render() gives text that parses to a spec with the same rates (and renders the same): a
    negative base of ** keeps its brackets, a one-item list of schedules stays a list."""
    try:
        spec = lrviz.parse(text)
    except LrvizError:
        return
    rendered = spec.render()
    again = lrviz.parse(rendered)
    assert again.render() == rendered
    try:
        values = lrviz.evaluate(spec, steps)
    except LrvizError:
        with pytest.raises(LrvizError):
            lrviz.evaluate(again, steps)
        return
    np.testing.assert_array_equal(lrviz.evaluate(again, steps), values, err_msg=f"{text} as {rendered}")


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("(-2.5) ** t", "(-2.5) ** t"),
        ("(-0.0) ** t", "(-0.0) ** t"),
        ("-2.5 ** t", "-(2.5 ** t)"),
        (
            "optax.join_schedules([optax.constant_schedule(0.1)], [])",
            "optax.join_schedules([optax.constant_schedule(0.1)], [])",
        ),
    ],
)
def test_rendering_keeps_what_the_grammar_needs(text: str, rendered: str) -> None:
    assert lrviz.parse(text).render() == rendered


@pytest.mark.parametrize(
    "spec",
    [
        "torch.CyclicLR(optimizer, 0.001, 0.1, scale_fn=lambda x: plateau(0.1, patience=2))",
        "torch.LambdaLR(optimizer, lambda e: torch.MultiplicativeLR(optimizer, lambda e: 0.9), lr=0.1)",
    ],
)
def test_a_function_of_its_argument_cannot_follow_a_metric_or_the_steps_before(spec: str) -> None:
    """A framework calls a function at any numbers (CyclicLR's scale_fn at cycle counts), never over a
    run: a feedback schedule or a running product in it is refused when the spec is read."""
    with pytest.raises(SpecError, match="must be a function of its argument alone"):
        lrviz.parse(spec)
