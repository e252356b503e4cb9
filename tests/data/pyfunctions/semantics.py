"""Python's int and float semantics, read by lrviz the way Python computes them."""

import math

NEG = -7
HALF = 2**-1
FLAG = True
COUNT = FLAG + 1
A, B = 3, 4.5
WIDTH = 10
WIDTH = 12  # a later assignment wins
SCALE = 1.0
SCALE *= 3


def floors(step):
    return step // 10 + (step - 55) // 7 + (step % 9) + (NEG - step) % 4 + (step - 30) % -7


def conversions(step):
    return int(step / 7) + int(-step / 7) + float(step) / 3 + round(step / 4) + round(-step / 8)


def rounding(step):
    return round(step / 16, 2) + round(step * 0.005, 1) + round(step, -1) + round(step / 3, None)


def powers(step):
    return 2**-1 + HALF + (-2) ** (step % 5) + 2 ** (step % 7 - 3) + (step % 3) ** 0.5 + pow(step % 4, 2)


def logic(step):
    a = step % 3 and step % 5
    b = step % 4 or 0.5
    c = not step % 2
    d = (1 if 10 <= step < 20 else 2) + (step > 5) + True
    return a + b + c + d + COUNT + A + B + WIDTH + SCALE


def extremes(step):
    return min(step, 50, 2 * step - 40) + max([step % 13, 6]) + abs(30 - step) + min((step, 3.5))


def maths(step):
    x = step / 100 + 0.01
    y = math.sqrt(x) + math.exp(-x) + math.log(x) + math.log(x, 10) + math.log2(x) + math.log10(x)
    y += math.tanh(x) + math.atan(x) + math.sin(x) + math.tan(x / 4) + math.log1p(x) + math.expm1(x / 7)
    y += math.floor(x * 3) + math.ceil(x * 3) + math.trunc(-x) + math.fabs(-x) + math.hypot(x, 3)
    y += math.atan2(x, 2) + math.copysign(x, -1) + math.fmod(step, 7) + math.pow(x, 1.5) + math.degrees(x)
    y += math.radians(step) + math.erf(x) + math.tau + math.e + math.isfinite(x) + math.cosh(x / 10)
    return y


def ladder(step):
    lr = 1.0
    if step >= 30:
        lr *= 0.1
        if step >= 60:
            lr *= 0.1
        elif step >= 45:
            lr = lr / 2
            return lr
    elif step < 5:
        lr = (step + 1) / 5
    else:
        pass
    return lr
