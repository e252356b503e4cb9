"""``lrviz verify --log`` without a plan: the spec that reproduces a logged run, found from the log.

The log's features are read first (the peak and where it is first reached, the warm-up's start and
shape, the drops of a staircase, where a stable stretch ends), each family's parameters are estimated
from them (closed forms, least squares, and a bounded search on a decay's horizon), and each candidate
is rendered as a spec and evaluated by lrviz itself at every logged point. The error of a candidate is
max |η_spec(t) − η_log(t)| / max η_log over the logged points.

Families: constant, step, multistep, linear, exponential, cosine, polynomial, inverse_sqrt, wsd
(linear, cosine, 1-sqrt, exp decays), onecycle, restarts(cosine), cyclic (triangular, triangular2),
each after a linear, power, log or constant warm-up where the log has one; and the spellings of the
framework that wrote the log (``hf.`` for Hugging Face logs, ``torch.`` for the others). Of the exact
candidates the one whose numbers say least is kept, lrviz's own spelling winning ties (and near-ties),
and its long numbers are then rounded as far as exactness allows.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lrviz.errors import LrvizError
from lrviz.io.logs import Log

Array = npt.NDArray[np.float64]

FLOAT32_PRECISION = 4 * 2.0**-23
FLOAT64_PRECISION = 1e-9
SEARCH_POINTS = 4000
"""Points of the decay the horizon search reads; the winner is checked on every point."""
DIALECTS = {"hf": "hf", "tensorboard": "torch", "lightning": "torch", "csv": "torch"}


@dataclass(frozen=True)
class Fit:
    """The candidate spec closest to a log."""

    spec: str
    """lrviz spec text: row t of ``lrviz.evaluate(spec, steps)`` is the rate of update t."""
    steps: int
    """The run length it is evaluated over: the last logged update + 1."""
    error: float
    """max relative error over the logged points, relative to the log's peak."""
    exact: bool
    """Whether the error is within the log's precision."""
    tried: int
    """Candidates evaluated."""


def fit(log: Log) -> Fit:
    """The spec, among lrviz's families and the dialect of the framework that wrote the log, that
    reproduces it best: the first exact candidate (lrviz's own spelling before the framework's), or
    the one with the least error."""
    with np.errstate(all="ignore"), warnings.catch_warnings():  # candidates that overflow are skipped
        warnings.simplefilter("ignore", RuntimeWarning)
        return _fit(log)


def _fit(log: Log) -> Fit:
    from lrviz.api import evaluate

    t = np.asarray(log.steps, dtype=np.int64)
    r = np.asarray(log.rates, dtype=np.float64)
    if t.size < 3:
        raise LrvizError(f"{log.path}: {t.size} logged rates; fitting a schedule needs at least 3")
    if not np.all(np.isfinite(r)):
        raise LrvizError(f"{log.path}: the logged rates are not all finite")
    steps = int(t[-1]) + 1
    tol = FLOAT32_PRECISION if log.float32 else FLOAT64_PRECISION
    peak = float(np.max(np.abs(r)))
    scale = peak if peak > 0 else 1.0
    best: tuple[float, str] | None = None
    simplest: tuple[int, str, float] | None = None
    tried = 0
    seen: set[str] = set()
    for spec in _candidates(t, r, log.float32, DIALECTS.get(log.kind, "torch")):
        if spec in seen:
            continue
        seen.add(spec)
        weight = _complexity(spec)
        if simplest is not None and weight >= simplest[0]:
            continue
        tried += 1
        try:
            whole = evaluate(spec, steps)
        except (LrvizError, ValueError, OverflowError, ZeroDivisionError, IndexError):
            continue
        if whole.size and float(whole.min()) < 0 <= float(r.min()):
            continue  # a schedule that goes below zero where the run never did is no rate
        values = whole[t]
        error = float(np.max(np.abs(values - r))) / scale
        if not math.isfinite(error):
            continue
        if best is None or error < best[0]:
            best = (error, spec)
        if error <= tol:
            simplest = (weight, spec, error)
    if simplest is not None:
        best = _simplify(simplest[1], simplest[2], lambda spec: _error(spec, steps, t, r, scale), tol)
    if best is None:
        best = (float(np.max(np.abs(r - r[0]))) / scale, _num(float(r[0]), 0.0))
    return Fit(best[1], steps, best[0], best[0] <= tol, tried)


def _error(spec: str, steps: int, t: npt.NDArray[np.int64], r: Array, scale: float) -> float:
    from lrviz.api import evaluate

    try:
        error = float(np.max(np.abs(evaluate(spec, steps)[t] - r))) / scale
    except (LrvizError, ValueError, OverflowError, ZeroDivisionError, IndexError):
        return math.inf
    return error if math.isfinite(error) else math.inf


def _simplify(spec: str, error: float, measure: Callable[[str], float], tol: float) -> tuple[float, str]:
    """The spec with each long number rounded to the fewest digits that keep it exact."""
    at = 0
    while match := NUMBER.search(spec, at):
        text = match.group(0)
        digits = len(match.group(1).replace(".", "").strip("0"))
        at = match.end()
        if digits <= 3:
            continue
        value = float(text)
        for keep in range(1, digits):
            short = _num(float(f"{value:.{keep}g}"), 0.0)
            if short == text:
                break
            trial = spec[: match.start()] + short + spec[match.end() :]
            e = measure(trial)
            if e <= tol:
                spec, error, at = trial, e, match.start() + len(short)
                break
    return error, spec


# --- rendering ------------------------------------------------------------------------------------


def _num(x: float, rel: float) -> str:
    """The shortest decimal within rel·|x| of x (repr for rel 0), written as lrviz writes numbers."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return repr(x) if x else "0"
    text = repr(x)
    if rel > 0:
        for digits in range(1, 17):
            short = f"{x:.{digits}g}"
            if abs(float(short) - x) <= rel * abs(x):
                text = short
                break
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    elif text.endswith(".0"):
        text = text[:-2]
    return text


NUMBER = re.compile(r"(?<![\w.])(\d+\.?\d*|\.\d+)(?:e-?\d+)?")


DOTTED = re.compile(r"\w+\.")
DIALECT_WEIGHT = 3
"""A framework's spelling is kept over lrviz's own only when lrviz's needs more digits than that."""


def _complexity(spec: str) -> int:
    """How much a spec says: the significant digits of its numbers, one for each number, and three for
    a framework's spelling. Of the exact candidates the least is kept; of equals, the first."""
    weight = DIALECT_WEIGHT if DOTTED.match(spec) else 0
    for match in NUMBER.finditer(spec):
        digits = match.group(1).replace(".", "").strip("0")
        weight += 1 + len(digits)
    return weight


def _call(name: str, args: list[str], kwargs: list[tuple[str, str]]) -> str:
    return f"{name}({', '.join(args + [f'{k}={v}' for k, v in kwargs])})"


def _int_list(values: list[int]) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


# --- features ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Warmup:
    length: int
    start: float
    shape: str
    """'linear', 'power', 'log' or 'constant' (or '' for none)."""
    power: float
    peak: float = math.nan
    """The rate it rises to, when no logged point has it (NaN: the logged peak)."""


@dataclass(frozen=True)
class _Decay:
    shape: str
    horizon: int
    """Steps from the decay's origin to where it reaches its floor."""
    floor: float
    power: float
    sse: float


def _rel_close(a: Array | float, b: float, tol: float) -> npt.NDArray[np.bool_]:
    return np.asarray(np.abs(np.asarray(a) - b) <= tol * max(abs(b), 1e-300))


def _warmups(t: npt.NDArray[np.int64], r: Array, ip: int, peak: float) -> list[_Warmup]:
    """Warm-ups that explain the points before the peak: a line through the two points before it
    extrapolated to the peak (its length) and to step 0 (its start), and the log and power shapes."""
    if ip == 0:
        return [_Warmup(0, 0.0, "", 1.0)]
    out: list[_Warmup] = []
    if t[0] == 0 and np.all(r[:ip] == r[0]):
        held = _roundest(int(t[ip - 1]) + 1, int(t[ip]))
        out.append(_Warmup(held or int(t[ip]), float(r[0]), "constant", 1.0))
    if ip >= 2:
        t0, t1 = float(t[0]), float(t[ip - 1])
        slope = (r[ip - 1] - r[0]) / (t1 - t0)
        if slope > 0:
            start = float(r[0] - slope * t0)
            length = (peak - start) / slope
            for w in sorted({round(length), math.floor(length), math.ceil(length)}):
                if w >= int(t[ip - 1]) + 1 and w <= int(t[ip]):
                    out.append(_Warmup(int(w), _snap_zero(start, peak), "linear", 1.0))
    w = int(t[ip])
    start = float(r[0]) if t[0] == 0 else 0.0
    if not out:
        out.append(_Warmup(w, _snap_zero(start, peak), "linear", 1.0))
    if ip >= 2 and t[0] == 0:
        mid = (t[1:ip] > 0) & (t[1:ip] < w)
        if mid.any():
            u = t[1:ip][mid] / w
            frac = (r[1:ip][mid] - start) / (peak - start) if peak != start else u
            good = (frac > 0) & (frac < 1)
            if good.any():
                k = float(np.median(np.log(frac[good]) / np.log(u[good])))
                if abs(k - 1) > 1e-6:
                    out.append(_Warmup(w, start, "power", k))
        out.append(_Warmup(w, start, "log", 1.0))
    return out


def _unlogged_peaks(
    t: npt.NDArray[np.int64], r: Array, ip: int, steps: int, close: float, keep: int = 2
) -> list[_Warmup]:
    """Linear warm-ups whose peak falls between two logged points: the line through the points
    before the first logged peak overshoots it there. Each whole length W between those points gives
    the peak s + a·W; the ones whose decay after it is best explained (a line or a cosine to 0 at
    the run's end) are kept."""
    if ip < 2 or ip >= t.size - 1:
        return []
    slope = (r[ip - 1] - r[0]) / float(t[ip - 1] - t[0])
    start = float(r[0] - slope * float(t[0]))
    if slope <= 0 or start + slope * float(t[ip]) <= r[ip] * (1 + 8 * close):
        return []
    lengths = range(int(t[ip - 1]) + 1, int(t[ip]))
    if not 0 < len(lengths) <= 256:
        return []
    scored = []
    for w in lengths:
        peak = start + slope * w
        td = (t[ip:] - w).astype(np.float64)
        score = min(
            _decay_at(name, td, r[ip:], peak, float(steps - w), 0.0).sse for name in ("linear", "cosine")
        )
        scored.append((score, w, peak))
    scored.sort()
    return [_Warmup(w, _snap_zero(start, peak), "linear", 1.0, peak) for _, w, peak in scored[:keep]]


def _snap_zero(x: float, peak: float, rel: float = 1e-9) -> float:
    return 0.0 if abs(x) <= rel * abs(peak) else x


def _warmup_kwargs(w: _Warmup, num: Callable[[float], str]) -> list[tuple[str, str]]:
    if w.length == 0:
        return []
    kw = [("warmup", str(w.length))]
    if w.start != 0:
        kw.append(("warmup_start", num(w.start)))
    if w.shape == "power":
        kw += [("warmup_shape", "'power'"), ("warmup_power", num(w.power))]
    elif w.shape in ("log", "constant"):
        kw.append(("warmup_shape", f"'{w.shape}'"))
    return kw


# --- decays --------------------------------------------------------------------------------------


def _shape(name: str, x: Array, power: float = 1.0) -> Array:
    """The decay's factor from 1 to 0 as x goes from 0 to 1 (x clipped to [0, 1])."""
    x = np.clip(x, 0.0, 1.0)
    if name == "cosine":
        return np.asarray((1 + np.cos(np.pi * x)) / 2)
    if name == "linear":
        return 1 - x
    if name == "1-sqrt":
        return np.asarray(1 - np.sqrt(x))
    if name == "exp":
        return np.asarray(2 * 0.5**x - 1)
    return np.asarray((1 - x) ** power)


def _floor_ls(g: Array, r: Array, peak: float) -> float:
    """The floor m minimising Σ(m + (peak − m)·g − r)²: linear in m."""
    a = 1 - g
    den = float(np.dot(a, a))
    return float(np.dot(a, r - peak * g) / den) if den > 0 else 0.0


def _decay_at(
    name: str, td: Array, r: Array, peak: float, horizon: float, fixed: float | None = None
) -> _Decay:
    """The decay of the given horizon closest to the points: its floor by least squares (or
    ``fixed``); a polynomial's power by least squares on log((η − m)/(peak − m)) against log(1 − x)
    for a fixed floor, else by a search on log power with the floor by least squares for each."""
    x = td / horizon
    power = 1.0
    floor = 0.0 if fixed is None else fixed
    if name == "poly" and fixed is None:
        power = _golden(lambda k: _poly_sse(x, r, peak, math.exp(k)), -3.0, 3.5, 24)
        power = math.exp(power)
    elif name == "poly":
        ok = (x < 1) & (r - floor > 0) & (td > 0)
        if ok.any() and peak > floor:
            ly = np.log((r[ok] - floor) / (peak - floor))
            lx = np.log1p(-x[ok])
            den = float(np.dot(lx, lx))
            power = float(np.dot(lx, ly) / den) if den > 0 else 1.0
            if not math.isfinite(power) or power <= 0:
                power = 1.0
    g = _shape(name, x, power)
    if fixed is None:
        floor = _floor_ls(g, r, peak)
    model = floor + (peak - floor) * g
    return _Decay(name, round(horizon), floor, power, float(np.sum((model - r) ** 2)))


def _poly_sse(x: Array, r: Array, peak: float, power: float) -> float:
    g = _shape("poly", x, power)
    floor = _floor_ls(g, r, peak)
    return float(np.sum((floor + (peak - floor) * g - r) ** 2))


def _golden(f: Callable[[float], float], a: float, b: float, grid: int) -> float:
    """The minimum of f on [a, b]: the best of an even grid, then a golden-section search between
    its neighbours."""
    xs = np.linspace(a, b, grid)
    i = int(np.argmin([f(float(v)) for v in xs]))
    lo, hi = float(xs[max(i - 1, 0)]), float(xs[min(i + 1, grid - 1)])
    ratio = (math.sqrt(5) - 1) / 2
    c, d = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fc, fd = f(c), f(d)
    for _ in range(40):
        if hi - lo < 1e-10 * max(1.0, abs(hi)):
            break
        if fc < fd:
            hi, d, fd = d, c, fc
            c = hi - ratio * (hi - lo)
            fc = f(c)
        else:
            lo, c, fc = c, d, fd
            d = lo + ratio * (hi - lo)
            fd = f(d)
    return (lo + hi) / 2


def _fit_decay(name: str, td: Array, r: Array, peak: float, fixed: float | None = None) -> list[_Decay]:
    """The decay's horizon by a geometric grid and a golden-section search around its best point,
    then the whole horizons on either side of it, best first."""
    if td.size > SEARCH_POINTS:
        pick = np.unique(np.linspace(0, td.size - 1, SEARCH_POINTS).astype(np.int64))
        td, r = td[pick], r[pick]

    def sse(h: float) -> float:
        return _decay_at(name, td, r, peak, h, fixed).sse

    top = float(td[-1]) + 1
    lo = max(1.0, float(td[td > 0][0]) if (td > 0).any() else 1.0)
    grid = np.geomspace(lo, 50 * top, 90)
    i = int(np.argmin([sse(h) for h in grid]))
    a, b = float(grid[max(i - 1, 0)]), float(grid[min(i + 1, grid.size - 1)])
    ratio = (math.sqrt(5) - 1) / 2
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = sse(c), sse(d)
    for _ in range(80):
        if b - a < 0.25:
            break
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = sse(c)
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = sse(d)
    centre = round((a + b) / 2)
    found = [_decay_at(name, td, r, peak, float(h), fixed) for h in {max(1, centre + k) for k in (-1, 0, 1)}]
    found.sort(key=lambda f: f.sse)
    return found[:2]


Cache = dict[tuple[object, ...], list[_Decay]]
"""Decay fits already made, by shape, origin, points, peak and floor: each rendering of the numbers reuses
them."""


def _decays(cache: Cache, name: str, td: Array, r: Array, peak: float, fixed: float | None) -> list[_Decay]:
    key = (name, float(td[0]), float(td[-1]), td.size, float(r[0]), peak, fixed)
    if key not in cache:
        cache[key] = _fit_decay(name, td, r, peak, fixed)
    return cache[key]


def _floors(w: _Warmup, peak: float) -> list[float | None]:
    """Floors to try: none, the warm-up's start (HF's WSD starts and ends there), then any."""
    out: list[float | None] = [0.0]
    if w.length and 0 < w.start < peak:
        out.append(w.start)
    out.append(None)
    return out


# --- candidates ----------------------------------------------------------------------------------


def _candidates(t: npt.NDArray[np.int64], r: Array, float32: bool, dialect: str) -> Iterator[str]:
    """Candidate specs, lrviz's own spelling of each family before the framework's."""
    peak = float(np.max(r))
    close = 1e-6 if float32 else 1e-12
    ip = int(np.argmax(r >= peak * (1 - close)))
    steps = int(t[-1]) + 1
    rels = (2.0**-23 if float32 else 1e-11, 0.0)
    after_t, after_r = t[ip:], r[ip:]
    flat = bool(np.all(_rel_close(after_r, peak, 2 * close)))
    drops = _drops(after_t, after_r, close)
    cache: Cache = {}
    unlogged = _unlogged_peaks(t, r, ip, steps, close)
    snap = FLOAT32_PRECISION if float32 else FLOAT64_PRECISION
    for rel in rels:
        num = _numberer(rel)
        for w in _warmups(t, r, ip, peak) + unlogged:
            wk = _warmup_kwargs(w, num)
            origin = w.length
            td = (after_t - origin).astype(np.float64)
            if math.isfinite(w.peak):
                yield from _continuous(td, after_r, w.peak, w, wk, num, dialect, steps, float32, cache)
                continue
            p = num(peak)
            if flat:
                yield _call("constant", [p], wk)
                if dialect == "hf" and w.length and w.start == 0 and w.shape == "linear":
                    yield _call(
                        "hf.get_constant_schedule_with_warmup",
                        ["optimizer"],
                        [("num_warmup_steps", str(w.length)), ("lr", p)],
                    )
                if dialect == "torch" and w.shape == "constant":
                    factor = [("factor", num(w.start / peak)), ("total_iters", str(w.length))]
                    yield _call("torch.ConstantLR", ["optimizer"], [*factor, ("lr", p)])
                continue
            if drops is not None:
                yield from _staircases(after_t, after_r, drops, origin, peak, w, wk, num, dialect)
            yield from _continuous(td, after_r, peak, w, wk, num, dialect, steps, float32, cache)
            # a stable stretch at the peak, then a decay (WSD)
            stable = _rel_close(after_r, peak, 2 * close)
            last = int(np.argmin(stable)) - 1 if not stable.all() else stable.size - 1
            if last >= 1:
                yield from _wsd(after_t, after_r, last, peak, w, wk, num, dialect, steps, snap, cache)
        yield from _onecycle(t, r, ip, peak, num, dialect, steps)
        for w in _warmups(t, r, ip, peak):
            yield from _periodic(t, r, ip, peak, w, num, dialect, steps, close)
    # the constant closest to every point, when nothing else is
    yield _num((float(np.max(r)) + float(np.min(r))) / 2, rels[0])


def _numberer(rel: float) -> Callable[[float], str]:
    return lambda x: _num(x, rel)


def _drops(t: npt.NDArray[np.int64], r: Array, close: float) -> list[int] | None:
    """The indices i after which the rate drops (a staircase), or None when it is not flat between."""
    if r.size < 2:
        return None
    ratio = r[1:] / np.where(r[:-1] == 0, np.inf, r[:-1])
    moves = np.abs(ratio - 1) > 4 * close
    if not moves.any() or moves.sum() > r.size // 2 or np.any(ratio[moves] >= 1):  # flat between drops
        return None
    return [int(i) for i in np.flatnonzero(moves)]


def _roundest(lo: int, hi: int) -> int | None:
    """The integer in [lo, hi] with the most trailing zeros (the smallest of those)."""
    if hi < lo:
        return None
    for base in (10**6, 10**5, 10**4, 1000, 500, 100, 50, 10, 5, 2, 1):
        first = -(-lo // base) * base
        if first <= hi:
            return int(first)
    return lo


def _staircases(
    t: npt.NDArray[np.int64],
    r: Array,
    drops: list[int],
    origin: int,
    peak: float,
    w: _Warmup,
    wk: list[tuple[str, str]],
    num: Callable[[float], str],
    dialect: str,
) -> Iterator[str]:
    """step and multistep: a drop between logged points i and i + 1 happens at an update in
    (t_i, t_{i+1}]; gamma is the geometric mean of the drops' ratios."""
    ratios = r[[i + 1 for i in drops]] / r[drops]
    gamma = float(np.exp(np.mean(np.log(ratios))))
    g, p = num(gamma), num(peak)
    # milestones on the schedule's own clock (after a prefix warm-up)
    spans = [(int(t[i]) + 1 - origin, int(t[i + 1]) - origin) for i in drops]
    milestones = [_roundest(lo, hi) for lo, hi in spans]
    # step: the j-th drop at j·k, and no drop before the last logged point after the last one
    lo_k, hi_k = 1, 10**12
    for j, (lo, hi) in enumerate(spans, start=1):
        lo_k, hi_k = max(lo_k, -(-lo // j)), min(hi_k, hi // j)
    after = int(t[-1]) - origin
    lo_k = max(lo_k, after // (len(spans) + 1) + 1)
    k = _roundest(lo_k, hi_k)
    if k is not None:
        yield _call("step", [p, str(k)], [("gamma", g), *wk])
    if None not in milestones:
        ms = _int_list([m for m in milestones if m is not None])
        yield _call("multistep", [p, ms], [("gamma", g), *wk])
    if dialect == "torch" and w.length == 0:
        if k is not None:
            yield _call("torch.StepLR", ["optimizer"], [("step_size", str(k)), ("gamma", g), ("lr", p)])
        if None not in milestones:
            ms = _int_list([m for m in milestones if m is not None])
            yield _call("torch.MultiStepLR", ["optimizer"], [("milestones", ms), ("gamma", g), ("lr", p)])


DECAYS = ("linear", "cosine", "poly")


def _continuous(
    td: Array,
    r: Array,
    peak: float,
    w: _Warmup,
    wk: list[tuple[str, str]],
    num: Callable[[float], str],
    dialect: str,
    steps: int,
    float32: bool,
    cache: Cache,
) -> Iterator[str]:
    """Decays from the peak at the end of the warm-up: linear, cosine, polynomial (horizon searched,
    floor by least squares, power by least squares on log(1 − x)), exponential (gamma from the mean
    log-ratio) and inverse square root (timescale from each point's (peak/η)² − 1)."""
    p = num(peak)
    origin = w.length
    snap = FLOAT32_PRECISION if float32 else FLOAT64_PRECISION
    pos = (r > 0) & (td > 0)
    prefix = w.length == 0 or (w.start == 0 and w.shape == "linear")
    # exponential
    if pos.sum() >= 1:
        lr = np.log(r[pos] / peak)
        gamma = float(np.exp(np.dot(lr, td[pos]) / np.dot(td[pos], td[pos])))
        if 0 < gamma < 1:
            yield _call("exponential", [p, num(gamma)], wk)
            if dialect == "torch" and w.length == 0:
                yield _call("torch.ExponentialLR", ["optimizer"], [("gamma", num(gamma)), ("lr", p)])
    for name in DECAYS:
        for d in (d for fl in _floors(w, peak) for d in _decays(cache, name, td, r, peak, fl)):
            floor = _snap_zero(d.floor, peak, snap)
            horizon = origin + d.horizon
            hk = [] if horizon == steps else [("steps", str(horizon))]
            fl = num(floor)
            if name == "linear":
                yield _call("linear", [p, fl], hk + wk)
            elif name == "cosine":
                yield _call("cosine", [p], ([("min_lr", fl)] if floor else []) + hk + wk)
            else:
                pk = [("power", num(d.power))]
                yield _call("polynomial", [p], pk + ([("min_lr", fl)] if floor else []) + hk + wk)
            yield from _dialect_decay(d, floor, peak, w, num, dialect)
    # inverse square root
    if pos.sum() >= 1:
        ratio = (peak / r[pos]) ** 2 - 1
        ok = ratio > 0
        if ok.any():
            tau = float(np.median(td[pos][ok] / ratio[ok]))
            taus = {tau, float(round(tau))} | ({float(origin)} if origin else set())
            for tk in sorted(taus):
                if tk <= 0:
                    continue
                timescale = (
                    [] if (origin and tk == origin) or (not origin and tk == 1) else [("timescale", num(tk))]
                )
                yield _call("inverse_sqrt", [p], timescale + wk)
                if dialect == "hf" and prefix:
                    yield _call(
                        "hf.get_inverse_sqrt_schedule",
                        ["optimizer"],
                        [("num_warmup_steps", str(origin)), ("timescale", num(tk)), ("lr", p)],
                    )


def _dialect_decay(
    d: _Decay, floor: float, peak: float, w: _Warmup, num: Callable[[float], str], dialect: str
) -> Iterator[str]:
    """The same decay in the framework's own words, where it has them."""
    p, origin = num(peak), w.length
    total = origin + d.horizon
    if dialect == "hf" and (w.length == 0 or (w.start == 0 and w.shape == "linear")):
        base = [("num_warmup_steps", str(origin)), ("num_training_steps", str(total))]
        if d.shape == "linear" and floor == 0:
            yield _call("hf.get_linear_schedule_with_warmup", ["optimizer"], [*base, ("lr", p)])
        elif d.shape == "cosine" and floor == 0:
            yield _call("hf.get_cosine_schedule_with_warmup", ["optimizer"], [*base, ("lr", p)])
        elif d.shape == "cosine":
            yield _call(
                "hf.get_cosine_with_min_lr_schedule_with_warmup",
                ["optimizer"],
                [*base, ("min_lr", num(floor)), ("lr", p)],
            )
        elif d.shape == "poly":
            yield _call(
                "hf.get_polynomial_decay_schedule_with_warmup",
                ["optimizer"],
                [*base, ("lr_end", num(floor)), ("power", num(d.power)), ("lr", p)],
            )
    if dialect != "torch":
        return
    after: str | None = None
    if d.shape == "cosine":
        eta = [("eta_min", num(floor))] if floor else []
        after = _call("torch.CosineAnnealingLR", ["optimizer"], [("T_max", str(d.horizon)), *eta])
    elif d.shape == "poly" and floor == 0:
        after = _call(
            "torch.PolynomialLR", ["optimizer"], [("total_iters", str(d.horizon)), ("power", num(d.power))]
        )
    elif d.shape == "linear":
        after = _call(
            "torch.LinearLR",
            ["optimizer"],
            [("start_factor", "1.0"), ("end_factor", num(floor / peak)), ("total_iters", str(d.horizon))],
        )
    if after is None:
        return
    if w.length == 0:
        yield after[:-1] + f", lr={p})"
    elif w.shape == "linear":
        ramp = _call(
            "torch.LinearLR",
            ["optimizer"],
            [("start_factor", num(w.start / peak)), ("end_factor", "1.0"), ("total_iters", str(origin))],
        )
        yield _call(
            "torch.SequentialLR",
            ["optimizer", f"[{ramp}, {after}]"],
            [("milestones", f"[{origin}]"), ("lr", p)],
        )


WSD_DECAYS = ("linear", "cosine", "1-sqrt", "exp")


def _wsd(
    t: npt.NDArray[np.int64],
    r: Array,
    last: int,
    peak: float,
    w: _Warmup,
    wk: list[tuple[str, str]],
    num: Callable[[float], str],
    dialect: str,
    steps: int,
    snap: float,
    cache: Cache,
) -> Iterator[str]:
    """A stable stretch at the peak up to logged point ``last``, then a decay: it starts at an update
    in [t_last, t_{last+1}), its horizon searched and its floor by least squares, for each shape."""
    if last + 1 >= t.size:
        return
    p = num(peak)
    lo, hi = int(t[last]), int(t[last + 1]) - 1
    starts = sorted({lo, hi, _roundest(lo, hi) or lo})
    for name in WSD_DECAYS:
        for b in starts:
            td = (t[last:] - b).astype(np.float64)
            fits = [_decays(cache, name, td, r[last:], peak, fl)[0] for fl in _floors(w, peak)]
            for d in fits:
                floor = _snap_zero(d.floor, peak, snap)
                end = b + d.horizon
                kw = [("decay", str(d.horizon))]
                if name != "linear":
                    kw.append(("decay_type", f"'{name}'"))
                if floor:
                    kw.append(("min_lr", num(floor)))
                if end != steps:
                    kw.append(("steps", str(end)))
                yield _call("wsd", [p], kw + wk)
                if dialect == "hf" and name != "exp" and w.shape in ("", "linear"):
                    ratio = floor / peak
                    if w.length and not _close_enough(w.start, floor, peak):
                        continue
                    hk = [
                        ("num_warmup_steps", str(w.length)),
                        ("num_decay_steps", str(d.horizon)),
                        ("num_stable_steps", str(b - w.length)),
                        ("decay_type", f"'{name}'"),
                    ]
                    if ratio:
                        hk.append(("min_lr_ratio", num(ratio)))
                    yield _call("hf.get_wsd_schedule", ["optimizer"], [*hk, ("lr", p)])


def _close_enough(a: float, b: float, peak: float) -> bool:
    return abs(a - b) <= 1e-6 * abs(peak)


def _onecycle(
    t: npt.NDArray[np.int64],
    r: Array,
    ip: int,
    peak: float,
    num: Callable[[float], str],
    dialect: str,
    steps: int,
) -> Iterator[str]:
    """The one-cycle policy, knots at 0 (start), e (peak) and E (floor): for each e around the logged
    peak and E from the last logged update to one log interval past it, start, peak and floor are a
    linear least-squares fit; the best few knot pairs are kept. torch's OneCycleLR peaks at
    pct_start·N − 1 and ends at N − 1, lrviz's at pct_start·S and S."""
    if ip == 0 or ip + 2 > t.size or t[0] != 0 or r[0] <= 0:
        return
    pick = np.unique(np.linspace(0, t.size - 1, min(t.size, SEARCH_POINTS)).astype(np.int64))
    ts, rs = t[pick].astype(np.float64), r[pick]
    gap = int(np.max(np.diff(t[-min(t.size, 8) :])))
    peaks = range(max(1, int(t[ip - 1]) + 1), int(t[min(ip + 1, t.size - 1)]))
    ends = range(int(t[-1]), int(t[-1]) + gap + 1)
    if len(peaks) * len(ends) > 1600:
        return
    for anneal in ("cos", "linear"):
        scored: list[tuple[float, int, int, npt.NDArray[np.floating[Any]]]] = []
        for e in peaks:
            for end in ends:
                if end <= e:
                    continue
                up = np.clip(ts / e, 0, 1)
                down = np.clip((ts - e) / (end - e), 0, 1)
                if anneal == "cos":
                    up, down = (1 - np.cos(np.pi * up)) / 2, (1 - np.cos(np.pi * down)) / 2
                rising = ts <= e
                design = np.zeros((ts.size, 3))
                design[rising, 0], design[rising, 1] = 1 - up[rising], up[rising]
                design[~rising, 1], design[~rising, 2] = 1 - down[~rising], down[~rising]
                coef = np.linalg.lstsq(design, rs, rcond=None)[0]
                scored.append((float(np.max(np.abs(design @ coef - rs))), e, end, coef))
        scored.sort(key=lambda s: s[0])
        ak = [] if anneal == "cos" else [("anneal", "'linear'")]
        tk = [] if anneal == "cos" else [("anneal_strategy", "'linear'")]
        for _, e, end, (low, high, floor) in scored[:3]:
            if not (0 < low < high and floor > 0):
                continue
            div, final = num(high / low), num(low / floor)
            sk = [] if end == steps else [("steps", str(end))]
            kw = [("div_factor", div), ("final_div_factor", final)]
            yield _call("onecycle", [num(high)], [*sk, ("pct_start", _exact_ratio(e, end)), *kw, *ak])
            if dialect == "torch":
                head = [("max_lr", num(high)), ("total_steps", str(end + 1))]
                pct = [("pct_start", _exact_ratio(e + 1, end + 1))]
                yield _call("torch.OneCycleLR", ["optimizer"], [*head, *pct, *kw, *tk])


def _exact_ratio(a: int, b: int) -> str:
    """a/b as the shortest decimal whose product with b gives a back in float arithmetic."""
    x = a / b
    for digits in range(1, 18):
        short = float(f"{x:.{digits}g}")
        if short * b == a or float(short * b) == float(a):
            return _num(short, 0.0)
    return _num(x, 0.0)


def _periodic(
    t: npt.NDArray[np.int64],
    r: Array,
    ip: int,
    peak: float,
    w: _Warmup,
    num: Callable[[float], str],
    dialect: str,
    steps: int,
    close: float,
) -> Iterator[str]:
    """Schedules that rise again after their peak: warm restarts (a jump back up, cycle k of
    P·mult^k steps, the cosine's floor by least squares over the first cycle) and cyclical rates
    (a triangle wave, its sides' lengths from their slopes)."""
    ups = [int(i) for i in np.flatnonzero(r[ip + 1 :] > r[ip:-1] * (1 + 4 * close)) + ip]
    if not ups:
        return
    p, origin = num(peak), w.length
    # warm restarts: each up is the start of a cycle, somewhere in (t_i, t_{i+1}]
    starts = [_roundest(int(t[i]) + 1 - origin, int(t[i + 1]) - origin) for i in ups]
    if len(ups) <= 64 and None not in starts:
        first = starts[0] or 0
        mult = 1
        if len(starts) >= 2 and first > 0:
            second = (starts[1] or 0) - first
            mult = max(1, round(second / first))
        if first > 0:
            cycle = (t[ip : ups[0] + 1] - origin).astype(np.float64)
            d = _decay_at("cosine", cycle, r[ip : ups[0] + 1], peak, float(first))
            floor = _snap_zero(d.floor, peak, 4 * close)
            fl = [("min_lr", num(floor))] if floor else []
            inner = _call("cosine", [p], fl)
            mk = [("mult", str(mult))] if mult != 1 else []
            spec = _call("restarts", [inner], [("period", str(first)), *mk])
            wk = _warmup_kwargs(w, num)
            yield _call("warmup", [spec, wk[0][1]], wk[1:]) if wk else spec
            if dialect == "torch" and origin == 0:
                eta = [("eta_min", num(floor))] if floor else []
                tm = [("T_mult", str(mult))] if mult != 1 else []
                yield _call(
                    "torch.CosineAnnealingWarmRestarts",
                    ["optimizer"],
                    [("T_0", str(first)), *tm, *eta, ("lr", p)],
                )
            if dialect == "hf" and mult == 1 and floor == 0 and w.start == 0 and w.shape in ("", "linear"):
                cycles = -(-(steps - origin) // first)
                yield _call(
                    "hf.get_cosine_with_hard_restarts_schedule_with_warmup",
                    ["optimizer"],
                    [
                        ("num_warmup_steps", str(origin)),
                        ("num_training_steps", str(origin + cycles * first)),
                        ("num_cycles", str(cycles)),
                        ("lr", p),
                    ],
                )
    # a triangle wave from the first rate up to the peak and down again
    if t[0] != 0 or w.shape not in ("linear",) or origin == 0:
        return
    low = float(r[0])
    down = [i for i in range(ip + 1, min(ups[0] + 1, r.size)) if r[i] < r[i - 1]]
    if not down:
        return
    j = down[-1] if len(down) < 2 else down[1] if down[0] == ip + 1 and len(down) > 1 else down[0]
    slope = (peak - float(r[j])) / (float(t[j]) - origin) if t[j] > origin else 0.0
    if slope <= 0:
        return
    length = (peak - low) / slope
    for side in sorted({round(length), math.floor(length), math.ceil(length)}):
        if side < 1:
            continue
        dk = [("step_size_down", str(side))] if side != origin else []
        for mode in ("triangular", "triangular2"):
            mo = [("mode", f"'{mode}'")] if mode != "triangular" else []
            yield _call("cyclic", [num(low), p, str(origin)], dk + mo)
            if dialect == "torch":
                tk = [("base_lr", num(low)), ("max_lr", p), ("step_size_up", str(origin))]
                if side != origin:
                    tk.append(("step_size_down", str(side)))
                yield _call("torch.CyclicLR", ["optimizer"], tk + mo + [("cycle_momentum", "False")])
