"""Learning-rate schedules: closed forms from docs/configs.md, cross-checked against
torch.optim.lr_scheduler where PyTorch has the same schedule (StepLR, ExponentialLR,
OneCycleLR)."""

from __future__ import annotations

import math

import torch

from tensors import assert_close, case

DEFAULTS = {
    "constant": {},
    "step": {"gamma": 0.1},
    "exponential": {"decaySteps": 1, "staircase": False},
    "cosine": {"warmupSteps": 0, "init": 0.0, "end": 0.0},
    "linearWarmup": {"init": 0.0},
    "oneCycle": {"pctStart": 0.3, "divFactor": 25.0, "finalDivFactor": 1e4, "annealStrategy": "cos"},
    "piecewise": {},
}


SCHEDULE_TOLERANCE = {"rtol": 1e-6, "atol": 1e-12}


def resolve(cfg: dict) -> dict:
    out = dict(DEFAULTS[cfg["name"]])
    out.update(cfg)
    return out


def _one_cycle(c: dict, s: int) -> float:
    # Mirrors torch OneCycleLR (three_phase=False): phase 1 ends at the *float*
    # pctStart*totalSteps - 1, phase 2 at totalSteps - 1, and phase 2 starts where phase 1 ended.
    initial = c["maxLr"] / c["divFactor"]
    minimum = initial / c["finalDivFactor"]
    phases = [
        (float(c["pctStart"] * c["totalSteps"]) - 1.0, initial, c["maxLr"]),
        (float(c["totalSteps"] - 1), c["maxLr"], minimum),
    ]
    start = 0.0
    for i, (end_step, a, b) in enumerate(phases):
        if s <= end_step or i == len(phases) - 1:
            pct = (s - start) / (end_step - start)
            if c["annealStrategy"] == "cos":
                return b + (a - b) / 2.0 * (math.cos(math.pi * pct) + 1.0)
            return (b - a) * pct + a
        start = end_step
    raise AssertionError("unreachable")


def evaluate(cfg, s: int) -> float:
    """Value of a schedule config (or a plain number) at 0-based step s."""
    if isinstance(cfg, (int, float)):
        return float(cfg)
    c = resolve(cfg)
    n = c["name"]
    if n == "constant":
        return float(c["value"])
    if n == "step":
        return c["initial"] * c["gamma"] ** (s // c["stepSize"])
    if n == "exponential":
        e = s / c["decaySteps"]
        if c["staircase"]:
            e = math.floor(e)
        return c["initial"] * c["gamma"] ** e
    if n == "cosine":
        w, d = c["warmupSteps"], c["decaySteps"]
        if s < w:
            return c["init"] + (c["peak"] - c["init"]) * s / w
        k = min(s - w, d - w)
        return c["end"] + (c["peak"] - c["end"]) * 0.5 * (1.0 + math.cos(math.pi * k / (d - w)))
    if n == "linearWarmup":
        w = c["warmupSteps"]
        return c["init"] + (c["peak"] - c["init"]) * min(s, w) / w
    if n == "oneCycle":
        return _one_cycle(c, s)
    if n == "piecewise":
        i = sum(1 for b in c["boundaries"] if s > b)
        return float(c["values"][i])
    raise ValueError(f"unknown schedule {n}")


def _torch_values(cfg: dict, steps: list[int]) -> list[float] | None:
    """The same schedule driven through torch.optim.lr_scheduler, or None if torch has none."""
    c = resolve(cfg)
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    n = c["name"]
    if n == "step":
        opt = torch.optim.SGD([p], lr=c["initial"])
        sch = torch.optim.lr_scheduler.StepLR(opt, step_size=c["stepSize"], gamma=c["gamma"])
    elif n == "exponential" and c["decaySteps"] == 1 and not c["staircase"]:
        opt = torch.optim.SGD([p], lr=c["initial"])
        sch = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=c["gamma"])
    elif n == "oneCycle":
        opt = torch.optim.SGD([p], lr=c["maxLr"])
        sch = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=c["maxLr"], total_steps=c["totalSteps"], pct_start=c["pctStart"],
            anneal_strategy=c["annealStrategy"], div_factor=c["divFactor"],
            final_div_factor=c["finalDivFactor"], cycle_momentum=False, three_phase=False)
    else:
        return None
    by_step = {}
    for s in range(max(steps) + 1):
        by_step[s] = opt.param_groups[0]["lr"]
        opt.step()
        if s < max(steps):
            sch.step()
    return [by_step[s] for s in steps]


def _schedule_case(name, description, cfg, steps):
    expected = [evaluate(cfg, s) for s in steps]
    tv = _torch_values(cfg, steps)
    if tv is not None:
        assert_close(expected, tv, 1e-12, 0.0, f"schedule {name} vs torch.optim.lr_scheduler")
    # Schedules are plain float64 arithmetic in every frontend, and tiny values (oneCycle's
    # final lr is 4e-7) must not pass by atol alone, so the default 1e-6 atol is too loose here.
    return case(name, "schedule", description, tolerance=SCHEDULE_TOLERANCE, schedule=cfg, steps=steps, expected=expected)


def cases() -> list[dict]:
    out = []
    add = lambda *a: out.append(_schedule_case(*a))  # noqa: E731
    add("constant", "constant value at every step", {"name": "constant", "value": 0.05}, [0, 1, 10, 1000])
    add("step-default-gamma", "StepLR with default gamma 0.1; steps exactly at multiples of stepSize",
        {"name": "step", "initial": 0.1, "stepSize": 3}, [0, 1, 2, 3, 5, 6, 9, 10])
    add("step-gamma", "StepLR with explicit gamma 0.5, stepSize 2",
        {"name": "step", "initial": 1.0, "stepSize": 2, "gamma": 0.5}, [0, 1, 2, 3, 4, 7, 8])
    add("exponential-per-step", "continuous exponential decay, decaySteps defaulted to 1 (torch ExponentialLR)",
        {"name": "exponential", "initial": 0.1, "gamma": 0.9}, [0, 1, 2, 5, 10])
    add("exponential-continuous", "continuous exponential decay with fractional exponent s/decaySteps",
        {"name": "exponential", "initial": 0.2, "gamma": 0.5, "decaySteps": 4, "staircase": False},
        [0, 1, 2, 3, 4, 6, 8, 13])
    add("exponential-staircase", "staircase exponential decay: exponent floored; steps at and around multiples of decaySteps",
        {"name": "exponential", "initial": 0.2, "gamma": 0.5, "decaySteps": 4, "staircase": True},
        [0, 1, 3, 4, 5, 7, 8, 13])
    add("cosine-warmup", "warmup_cosine_decay with default init 0 and end 0: warm-up, boundary s=warmupSteps (peak), decay, s=decaySteps, tail",
        {"name": "cosine", "peak": 0.1, "decaySteps": 10, "warmupSteps": 4}, [0, 1, 2, 3, 4, 5, 7, 9, 10, 11, 25])
    add("cosine-init-end", "warmup_cosine_decay with non-zero init and end; tail stays at end",
        {"name": "cosine", "peak": 1.0, "decaySteps": 12, "warmupSteps": 2, "init": 0.1, "end": 0.05},
        [0, 1, 2, 3, 7, 11, 12, 13, 100])
    add("cosine-no-warmup", "cosine decay with warmupSteps defaulted to 0",
        {"name": "cosine", "peak": 0.5, "decaySteps": 8}, [0, 1, 4, 7, 8, 9, 20])
    add("linear-warmup-default-init", "linear warm-up from default init 0; constant peak after warmupSteps",
        {"name": "linearWarmup", "peak": 0.01, "warmupSteps": 5}, [0, 1, 2, 4, 5, 6, 50])
    add("linear-warmup-init", "linear warm-up from explicit init",
        {"name": "linearWarmup", "init": 0.001, "peak": 0.1, "warmupSteps": 3}, [0, 1, 2, 3, 4, 10])
    add("one-cycle-cos", "torch OneCycleLR, cos annealing, defaults; covers phase boundary and the last valid step totalSteps-1",
        {"name": "oneCycle", "maxLr": 0.1, "totalSteps": 20}, [0, 1, 3, 5, 6, 7, 10, 15, 18, 19])
    add("one-cycle-linear", "torch OneCycleLR, linear annealing, explicit fields; pctStart*totalSteps-1 = 1.5 is not an integer",
        {"name": "oneCycle", "maxLr": 1.0, "totalSteps": 10, "pctStart": 0.25, "divFactor": 10,
         "finalDivFactor": 100, "annealStrategy": "linear"}, [0, 1, 2, 3, 5, 8, 9])
    add("piecewise", "Keras PiecewiseConstantDecay: values[0] while s <= boundaries[0]; steps exactly at boundaries",
        {"name": "piecewise", "boundaries": [3, 7], "values": [1.0, 0.5, 0.1]}, [0, 3, 4, 7, 8, 20])
    return out
