"""Fast evaluation over grids: the cosine of every step from a few thousand cosines, and powers by
blocks, each within a few units of float64 rounding and the same for a step however it is evaluated.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from lrviz.clock.grid import Grid, Time, Values

BLOCK = 1024
"""The most steps one block of :func:`cos_pi` covers."""


def cos_pi(t: Time, offset: float, width: float) -> Values:
    """cos(π·(t − offset)/width) for t clamped to [offset, offset + width]: 1 before, −1 after.

    With k = ⌊offset⌋, f = offset − k and j = t − k written as j = q·B + r (B steps to a block),
    cos(π(j − f)/w) = cos θ_q·cos φ_r − sin θ_q·sin φ_r, θ_q = π(q·B − f)/w and φ_r = π·r/w. Over a
    grid, r takes B values and q one a block: about 2·(n/B + B) cosines and sines for n steps instead
    of n, then two products and a difference a step. The result is within a few units of float64
    rounding of the cosine itself (B ≤ w/16 keeps every angle small), and the same for a step
    whichever way it is evaluated.
    """
    base = math.floor(offset)
    fraction = offset - base
    block = int(min(BLOCK, max(1, 2 ** math.floor(math.log2(max(width / 16, 1))))))
    if not isinstance(t, Grid):
        j = t - base
        q = np.floor(j / block)
        out = _angle_sum(np.pi * (q * block - fraction) / width, np.pi * (j - q * block) / width)
        out[t <= offset] = 1.0
        out[t >= offset + width] = -1.0
        return out
    inside = t.clip(math.nextafter(offset, math.inf), offset + width)
    if not inside.size:
        return np.where(t.array() <= offset, 1.0, -1.0)
    first, last = (inside.start - base) // block, (inside.stop - 1 - base) // block
    theta = np.pi * (np.arange(first, last + 1, dtype=np.float64) * block - fraction) / width
    cos_phi, sin_phi = _phases(block, width)
    table: Values = np.multiply.outer(np.cos(theta), cos_phi)
    table -= np.multiply.outer(np.sin(theta), sin_phi)
    skip = inside.start - base - first * block
    middle = table.ravel()[skip : skip + inside.size]
    if inside == t:
        return middle
    out = np.empty(t.size)
    before = inside.start - t.start
    out[:before] = 1.0
    out[before : before + inside.size] = middle
    out[before + inside.size :] = -1.0
    return out


def power(base: float, t: Time) -> Values:
    """base^t, as base^(q·B)·base^r with t = q·B + r: over a grid, a power a block and B powers in all
    instead of one a step, within a unit or two of float64 rounding and the same for a step however
    it is evaluated."""
    if not isinstance(t, Grid):
        q = np.floor(t / BLOCK)
        rest = t - q * BLOCK
        within = rest.astype(np.intp)
        if t.size >= BLOCK and np.array_equal(within, rest):  # whole steps: two lookups a step
            blocks = q.astype(np.intp)
            first, last = int(blocks.min()), int(blocks.max())
            if last - first <= t.size:
                high = np.power(base, np.arange(first, last + 1, dtype=np.float64) * BLOCK)
                out: Values = high[blocks - first]
                out *= np.power(base, np.arange(BLOCK, dtype=np.float64))[within]
                return out
        out = np.power(base, q * BLOCK)
        out *= np.power(base, rest)
        return out
    first, last = t.start // BLOCK, (t.stop - 1) // BLOCK
    table = np.multiply.outer(
        np.power(base, np.arange(first, last + 1, dtype=np.float64) * BLOCK),
        np.power(base, np.arange(BLOCK, dtype=np.float64)),
    )
    return table.ravel()[t.start - first * BLOCK : t.stop - first * BLOCK]


def count_power(base: float, counts: Values) -> Values:
    """base**k for counts k (whole numbers: cycles, decays): one power for each k up to the largest,
    then looked up, which are the very numbers base**k gives. Other exponents are raised one by one."""
    if counts.size < 64 or not 0 <= counts.min() <= counts.max() <= counts.size:
        return np.power(base, counts)
    index = counts.astype(np.intp)
    if not np.array_equal(index, counts):
        return np.power(base, counts)
    return np.power(base, np.arange(index.max() + 1, dtype=np.float64))[index]


def float32_power(base: float, exponents: Values) -> Values:
    """base^p for the schedules of float32 frameworks (optax, Keras): exp(p·ln base), within
    |p·ln base|·2⁻⁵³ of base^p (under 10⁻¹³ of it while it is a normal float64), far below float32's
    rounding, at half the cost of raising each step."""
    if float(base) <= 0:
        return np.power(base, exponents)
    out: Values = exponents * math.log(base)
    return np.exp(out, out=out)


def _angle_sum(theta: Values, phi: Values) -> Values:
    """cos(θ + φ) as cos θ·cos φ − sin θ·sin φ, elementwise."""
    out: Values = np.cos(theta) * np.cos(phi)
    out -= np.sin(theta) * np.sin(phi)
    return out


@functools.lru_cache(maxsize=64)
def _phases(block: int, width: float) -> tuple[Values, Values]:
    """cos φ_r and sin φ_r, φ_r = π·r/width for r < block: the same for every chunk of a run."""
    phi = np.pi * np.arange(block, dtype=np.float64) / width
    return np.cos(phi), np.sin(phi)
