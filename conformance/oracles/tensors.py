"""Shared helpers: case tensors, float32-exact random inputs, finite differences.

Inputs are drawn in float64 and rounded to float32 so a float32 frontend sees exactly the
same numbers as the float64 oracle; expected values are then computed in float64 and written
unrounded, so they are the exact-arithmetic reference the tolerance is measured against.
"""

from __future__ import annotations

import numpy as np

DEFAULT_TOLERANCE = {"rtol": 1e-5, "atol": 1e-6}


def rng(seed: int) -> np.random.Generator:
    # PCG64 via default_rng has a stable stream across numpy versions for normal/uniform,
    # which keeps the committed inputs reproducible.
    return np.random.default_rng(seed)


def f32(x) -> np.ndarray:
    """Round to the nearest float32 and return it as float64 (exactly representable)."""
    return np.asarray(x, dtype=np.float64).astype(np.float32).astype(np.float64)


def normal(g: np.random.Generator, shape, scale: float = 1.0, loc: float = 0.0) -> np.ndarray:
    return f32(g.normal(loc, scale, size=shape))


def uniform(g: np.random.Generator, shape, low: float, high: float) -> np.ndarray:
    return f32(g.uniform(low, high, size=shape))


def tensor(arr, dtype: str = "float32") -> dict:
    """Serialise an array as a case tensor. float32 is the default, so it is left implicit."""
    a = np.asarray(arr)
    if dtype == "int32":
        data = [int(v) for v in a.reshape(-1)]
    elif dtype == "bool":
        data = [bool(v) for v in a.reshape(-1)]
    else:
        # + 0.0 turns -0.0 into 0.0: the sign of zero is noise here, not something to conform to.
        data = [float(v) + 0.0 for v in np.asarray(a, dtype=np.float64).reshape(-1)]
    t = {"shape": [int(s) for s in a.shape], "data": data}
    if dtype != "float32":
        t["dtype"] = dtype
    return t


def from_tensor(t: dict) -> np.ndarray:
    dt = t.get("dtype", "float32")
    np_dt = {"int32": np.int64, "bool": np.bool_}.get(dt, np.float64)
    return np.asarray(t["data"], dtype=np_dt).reshape(t["shape"])


def central_diff(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central finite-difference gradient of a scalar function of a float64 array."""
    x = np.asarray(x, dtype=np.float64)
    g = np.zeros_like(x)
    flat = x.reshape(-1)
    gflat = g.reshape(-1)
    for i in range(flat.size):
        xp = flat.copy()
        xm = flat.copy()
        xp[i] += h
        xm[i] -= h
        gflat[i] = (f(xp.reshape(x.shape)) - f(xm.reshape(x.shape))) / (2 * h)
    return g


def assert_close(a, b, rtol: float, atol: float, what: str) -> None:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or not np.allclose(a, b, rtol=rtol, atol=atol):
        diff = np.max(np.abs(a - b)) if a.shape == b.shape else "shape mismatch"
        raise AssertionError(f"oracle cross-check failed: {what}: max|diff|={diff}\n{a}\n{b}")


def case(name: str, kind: str, description: str, tolerance: dict | None = None, **fields) -> dict:
    c = {"name": name, "kind": kind, "description": description}
    c.update(fields)
    c["tolerance"] = dict(tolerance or DEFAULT_TOLERANCE)
    return c
