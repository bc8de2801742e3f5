"""Regularizer oracles: Keras penalty semantics in float64 numpy closed forms, with gradients
cross-checked against central finite differences (away from w = 0, where abs has a kink and
the documented subgradient is 0)."""

from __future__ import annotations

import numpy as np

from tensors import assert_close, case, central_diff, normal, rng, tensor

DEFAULTS = {"l1": {"l1": 0.01}, "l2": {"l2": 0.01}, "l1l2": {"l1": 0.01, "l2": 0.01}}


def resolve(cfg: dict) -> dict:
    out = dict(DEFAULTS[cfg["name"]])
    out.update(cfg)
    return out


def penalty(cfg: dict, w: np.ndarray):
    c = resolve(cfg)
    l1, l2 = c.get("l1", 0.0), c.get("l2", 0.0)
    value = l1 * np.sum(np.abs(w)) + l2 * np.sum(w * w)
    grad = l1 * np.sign(w) + 2 * l2 * w  # np.sign(0) == 0: the documented subgradient
    return float(value), grad


def reg_case(name, description, cfg, w):
    value, grad = penalty(cfg, w)
    fd = central_diff(lambda x: penalty(cfg, x)[0], w, 1e-7)
    nz = w != 0
    assert_close(grad[nz], fd[nz], 1e-6, 1e-10, f"regularizer {name}: closed form vs finite differences")
    return case(name, "regularizer", description, regularizer=cfg, weights=tensor(w),
                expected={"value": tensor(np.array(value)), "grad": tensor(grad)})


def cases() -> list[dict]:
    g = rng(3030)
    w = lambda sh: normal(g, sh)  # noqa: E731

    def with_zero(sh):
        x = w(sh)
        x.reshape(-1)[2] = 0.0
        return x

    return [
        reg_case("l1-default", "l1 with default l1 = 0.01; an exact 0 weight has gradient 0", {"name": "l1"}, with_zero([3, 4])),
        reg_case("l1-explicit", "l1 = 0.05 on a [5] vector with an exact 0 weight", {"name": "l1", "l1": 0.05}, with_zero([5])),
        reg_case("l2-default", "l2 with default l2 = 0.01: l2*sum(w^2), gradient 2*l2*w", {"name": "l2"}, w([2, 3])),
        reg_case("l2-explicit", "l2 = 0.1 on a [2,2,2] tensor", {"name": "l2", "l2": 0.1}, w([2, 2, 2])),
        reg_case("l1l2-default", "l1l2 with both defaults 0.01; includes an exact 0 weight", {"name": "l1l2"}, with_zero([4, 2])),
        reg_case("l1l2-explicit", "l1l2 with l1 = 0.003, l2 = 0.02", {"name": "l1l2", "l1": 0.003, "l2": 0.02}, w([3, 3])),
        reg_case("l1l2-only-l1-given", "l1l2 with only l1 = 0.5 given; l2 keeps its default 0.01", {"name": "l1l2", "l1": 0.5}, with_zero([6])),
    ]
