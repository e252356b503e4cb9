"""Importing the real frameworks for the parity suite: skipped where they are not installed, except in
CI (``CI=true``), where a missing framework is a failure rather than a skip."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import sys
import types
from types import ModuleType

import pytest


def require(module: str) -> ModuleType:
    """Import ``module`` or skip the tests that need it (fail instead under CI)."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must install {module} for the parity suite: {error}", pytrace=False)
        pytest.skip(f"{module} is not installed", allow_module_level=True)
        raise


def assert_parity(
    name: str, ours: object, theirs: object, float32: bool = False, steps: list[int] | None = None
) -> None:
    """|lrviz − framework| ≤ 1e-10·|framework| + 1e-12·peak at every step (float64 frameworks), or
    ≤ 1e-6·peak (float32 frameworks); ``steps`` names the steps of the rows when they are not 0, 1, …"""
    import numpy as np

    a, b = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    assert a.shape == b.shape, f"{name}: {a.shape} rows, the framework gives {b.shape}"
    peak = float(np.max(np.abs(b))) if b.size else 0.0
    bound = 1e-6 * peak if float32 else 1e-10 * np.abs(b) + 1e-12 * peak
    bad = np.abs(a - b) > bound
    if bad.any():
        row = int(np.argmax(bad))
        step = steps[row] if steps is not None else row
        raise AssertionError(f"{name}: step {step}: lrviz {a[row]!r}, framework {b[row]!r}")


def _package_folder(name: str) -> str:
    """The folder an installed package is in, found without importing it; skip the tests that need it
    where it is not installed (fail instead under CI)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must install {name} for the parity suite", pytrace=False)
        pytest.skip(f"{name} is not installed", allow_module_level=True)
    return str(spec.submodule_search_locations[0])


@functools.cache
def timm_schedulers() -> types.ModuleType:
    """timm.scheduler with its modules, loaded without running timm/__init__ (which needs torchvision)."""
    root = _package_folder("timm")
    # stand-ins for the timm and timm.scheduler packages, so that neither __init__ runs
    for name, path in (("timm", root), ("timm.scheduler", os.path.join(root, "scheduler"))):
        if name not in sys.modules:
            package = types.ModuleType(name)
            package.__path__ = [path]
            sys.modules[name] = package
    package = sys.modules["timm.scheduler"]
    for name in ("cosine_lr", "tanh_lr", "step_lr", "multistep_lr", "poly_lr", "wsd_lr"):
        setattr(package, name, importlib.import_module(f"timm.scheduler.{name}"))
    return package


@functools.cache
def deepspeed_schedules() -> types.ModuleType:
    """deepspeed.runtime.lr_schedules, loaded on its own from its file: deepspeed/__init__ needs much
    more than the schedulers do (hjson, ninja, CUDA tooling); the module needs only torch and a logger,
    which stand-ins for its packages give it while it loads. They are gone again afterwards, so that
    transformers and accelerate find the real package, as they would."""
    import logging

    root = _package_folder("deepspeed")
    utils = types.ModuleType("deepspeed.utils")
    utils.logger = logging.getLogger("deepspeed")  # type: ignore[attr-defined]
    stand_ins = {"deepspeed": types.ModuleType("deepspeed"), "deepspeed.utils": utils}
    return load_alone(
        "lrviz_tests_deepspeed_lr_schedules", os.path.join(root, "runtime", "lr_schedules.py"), stand_ins
    )


def load_alone(name: str, path: str, stand_ins: dict[str, ModuleType]) -> ModuleType:
    """The module at ``path``, loaded on its own as ``name`` with ``stand_ins`` for the packages it
    imports while it loads (its package's ``__init__``, which needs far more, never runs); they are
    gone again afterwards, so that other tests find the real packages."""
    saved = {each: sys.modules.get(each) for each in stand_ins}
    sys.modules.update(stand_ins)
    try:
        found = importlib.util.spec_from_file_location(name, path)
        assert found is not None
        assert found.loader is not None
        module = importlib.util.module_from_spec(found)
        found.loader.exec_module(module)
    finally:
        for each, before in saved.items():
            if before is None:
                sys.modules.pop(each, None)
            else:
                sys.modules[each] = before
    return module
