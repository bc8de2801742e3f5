"""Optimizer oracles.

PyTorch-named optimizers (sgd, adam, adamw, rmsprop, adagrad with epsilonStyle 'pytorch') run
through real torch.optim in float64 with foreach=False. The rest (Keras epsilon styles, Lion,
LAMB) are small float64 numpy implementations of the formulas in docs/configs.md. The numpy
code also implements the PyTorch styles and is asserted equal to torch on every torch-backed
case, so the shared parts of the Keras variants are pinned to PyTorch too.
"""

from __future__ import annotations

import numpy as np
import torch

import schedules
from tensors import assert_close, case, normal, rng, tensor

DEFAULTS = {
    "sgd": {"lr": 0.01, "momentum": 0.0, "dampening": 0.0, "nesterov": False, "weightDecay": 0.0},
    "adam": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weightDecay": 0.0,
             "amsgrad": False, "epsilonStyle": "pytorch"},
    "adamw": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weightDecay": 0.01,
              "amsgrad": False, "epsilonStyle": "pytorch"},
    "rmsprop": {"lr": 0.01, "alpha": 0.99, "eps": 1e-8, "weightDecay": 0.0, "momentum": 0.0,
                "centered": False, "epsilonStyle": "pytorch"},
    "adagrad": {"lr": 0.01, "lrDecay": 0.0, "weightDecay": 0.0, "initialAccumulatorValue": 0.0,
                "eps": 1e-10},
    "lion": {"lr": 1e-4, "beta1": 0.9, "beta2": 0.99, "weightDecay": 0.0},
    "lamb": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-6, "weightDecay": 0.0},
}


def resolve(cfg: dict) -> dict:
    out = dict(DEFAULTS[cfg["name"]])
    out.update(cfg)
    return out


TORCH_BACKED = ("sgd", "adam", "adamw", "rmsprop", "adagrad")


def torch_backed(cfg: dict) -> bool:
    c = resolve(cfg)
    return c["name"] in TORCH_BACKED and c.get("epsilonStyle", "pytorch") == "pytorch"


class TorchStepper:
    """One torch.optim optimizer over float64 copies of the params.

    step() first writes the caller's current params into the torch tensors, so a caller (the
    ZooKeeper oracle) may change the params between steps while torch keeps its own state."""

    def __init__(self, cfg: dict, params: list[np.ndarray]):
        c = resolve(cfg)
        self.cfg = c
        self.ps = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
        lr0 = schedules.evaluate(c["lr"], 0)
        n = c["name"]
        if n == "sgd":
            self.opt = torch.optim.SGD(self.ps, lr=lr0, momentum=c["momentum"], dampening=c["dampening"],
                                       nesterov=c["nesterov"], weight_decay=c["weightDecay"], foreach=False)
        elif n in ("adam", "adamw"):
            cls = torch.optim.Adam if n == "adam" else torch.optim.AdamW
            self.opt = cls(self.ps, lr=lr0, betas=(c["beta1"], c["beta2"]), eps=c["eps"],
                           weight_decay=c["weightDecay"], amsgrad=c["amsgrad"], foreach=False)
        elif n == "rmsprop":
            self.opt = torch.optim.RMSprop(self.ps, lr=lr0, alpha=c["alpha"], eps=c["eps"],
                                           weight_decay=c["weightDecay"], momentum=c["momentum"],
                                           centered=c["centered"], foreach=False)
        elif n == "adagrad":
            self.opt = torch.optim.Adagrad(self.ps, lr=lr0, lr_decay=c["lrDecay"], weight_decay=c["weightDecay"],
                                           initial_accumulator_value=c["initialAccumulatorValue"],
                                           eps=c["eps"], foreach=False)
        else:
            raise ValueError(n)

    def step(self, params, grads, s: int):
        # Schedules are evaluated at the 0-based index of the step about to be applied.
        self.opt.param_groups[0]["lr"] = schedules.evaluate(self.cfg["lr"], s)
        with torch.no_grad():
            for p, x, g in zip(self.ps, params, grads):
                p.copy_(torch.from_numpy(np.array(x, dtype=np.float64)))
                p.grad = torch.from_numpy(np.array(g, dtype=np.float64))
        self.opt.step()
        return [p.detach().numpy().copy() for p in self.ps]


class NumpyStepper:
    """Independent float64 formulas for every optimizer in docs/configs.md."""

    def __init__(self, cfg: dict, params: list[np.ndarray]):
        self.cfg = resolve(cfg)
        self.t = 0
        self.state = [dict() for _ in params]

    def step(self, params, grads, s: int):
        c = self.cfg
        self.t += 1
        t = self.t
        lr = schedules.evaluate(c["lr"], s)
        out = []
        for p, g, st in zip(params, grads, self.state):
            p = np.array(p, dtype=np.float64)
            g = np.array(g, dtype=np.float64)
            out.append(getattr(self, "_" + c["name"])(c, p, g, st, t, lr))
        return out

    @staticmethod
    def _sgd(c, p, g, st, t, lr):
        g = g + c["weightDecay"] * p
        mu = c["momentum"]
        if mu != 0:
            # torch seeds the buffer with the raw gradient (no dampening) on the first step.
            st["buf"] = g.copy() if "buf" not in st else mu * st["buf"] + (1 - c["dampening"]) * g
            g = g + mu * st["buf"] if c["nesterov"] else st["buf"]
        return p - lr * g

    @staticmethod
    def _adam(c, p, g, st, t, lr, decoupled=False):
        if decoupled:
            p = p * (1 - lr * c["weightDecay"])
        else:
            g = g + c["weightDecay"] * p
        b1, b2 = c["beta1"], c["beta2"]
        st["m"] = b1 * st.get("m", 0.0) + (1 - b1) * g
        st["v"] = b2 * st.get("v", 0.0) + (1 - b2) * g * g
        v = st["v"]
        if c["amsgrad"]:
            st["vmax"] = np.maximum(st.get("vmax", 0.0), v)
            v = st["vmax"]
        bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
        if c["epsilonStyle"] == "keras":
            return p - lr * np.sqrt(bc2) / bc1 * st["m"] / (np.sqrt(v) + c["eps"])
        return p - (lr / bc1) * st["m"] / (np.sqrt(v) / np.sqrt(bc2) + c["eps"])

    @classmethod
    def _adamw(cls, c, p, g, st, t, lr):
        return cls._adam(c, p, g, st, t, lr, decoupled=True)

    @staticmethod
    def _rmsprop(c, p, g, st, t, lr):
        g = g + c["weightDecay"] * p
        a, mu = c["alpha"], c["momentum"]
        st["v"] = a * st.get("v", 0.0) + (1 - a) * g * g
        var = st["v"]
        if c["centered"]:
            st["mg"] = a * st.get("mg", 0.0) + (1 - a) * g
            var = var - st["mg"] ** 2
        if c["epsilonStyle"] == "keras":
            # tfjs: eps inside the sqrt and lr folded into the momentum buffer.
            st["buf"] = mu * st.get("buf", 0.0) + lr * g / np.sqrt(var + c["eps"])
            return p - st["buf"]
        d = np.sqrt(var) + c["eps"]
        if mu > 0:
            st["buf"] = mu * st.get("buf", 0.0) + g / d
            return p - lr * st["buf"]
        return p - lr * g / d

    @staticmethod
    def _adagrad(c, p, g, st, t, lr):
        g = g + c["weightDecay"] * p
        clr = lr / (1 + (t - 1) * c["lrDecay"])
        st["sum"] = st.get("sum", c["initialAccumulatorValue"]) + g * g
        return p - clr * g / (np.sqrt(st["sum"]) + c["eps"])

    @staticmethod
    def _lion(c, p, g, st, t, lr):
        m = st.get("m", np.zeros_like(p))
        u = c["beta1"] * m + (1 - c["beta1"]) * g
        st["minAbsC"] = float(np.min(np.abs(u)))
        st["m"] = c["beta2"] * m + (1 - c["beta2"]) * g
        return p - lr * (np.sign(u) + c["weightDecay"] * p)

    @staticmethod
    def _lamb(c, p, g, st, t, lr):
        b1, b2 = c["beta1"], c["beta2"]
        st["m"] = b1 * st.get("m", 0.0) + (1 - b1) * g
        st["v"] = b2 * st.get("v", 0.0) + (1 - b2) * g * g
        mh = st["m"] / (1 - b1 ** t)
        vh = st["v"] / (1 - b2 ** t)
        r = mh / (np.sqrt(vh) + c["eps"]) + c["weightDecay"] * p
        pn, rn = np.linalg.norm(p), np.linalg.norm(r)
        trust = pn / rn if pn > 0 and rn > 0 else 1.0
        st["trust"] = trust
        return p - lr * trust * r


def make_stepper(cfg: dict, params):
    return TorchStepper(cfg, params) if torch_backed(cfg) else NumpyStepper(cfg, params)


def run(cfg: dict, params, grads_per_step):
    """Params after each step. Torch-backed configs are also replayed through the numpy
    formulas and must agree, which validates the numpy code the Keras variants rely on."""
    st = make_stepper(cfg, params)
    cur = [np.array(p, dtype=np.float64) for p in params]
    traj = []
    for s, grads in enumerate(grads_per_step):
        cur = st.step(cur, grads, s)
        traj.append(cur)
    if isinstance(st, TorchStepper):
        ref = NumpyStepper(cfg, params)
        cur = [np.array(p, dtype=np.float64) for p in params]
        for s, grads in enumerate(grads_per_step):
            cur = ref.step(cur, grads, s)
            for a, b in zip(cur, traj[s]):
                assert_close(a, b, 1e-12, 1e-15, f"numpy {cfg['name']} vs torch at step {s}")
    return traj


SHAPES = ([3, 2], [4])


def make_data(seed: int, steps: int, shapes=SHAPES, pscale=1.0, gscale=1.0, f64=False):
    g = rng(seed)
    draw = (lambda sh, sc: g.normal(0.0, sc, size=sh)) if f64 else (lambda sh, sc: normal(g, sh, sc))
    params = [draw(sh, pscale) for sh in shapes]
    grads = [[draw(sh, gscale) for sh in shapes] for _ in range(steps)]
    return params, grads


def optimizer_case(name, description, cfg, params, grads, dtype="float32", tolerance=None):
    traj = run(cfg, params, grads)
    return case(
        name, "optimizer", description, tolerance=tolerance, optimizer=cfg,
        params=[tensor(p, dtype) for p in params],
        grads=[[tensor(x, dtype) for x in step] for step in grads],
        expected=[[tensor(x, dtype) for x in step] for step in traj],
    )


def _lion_data(cfg, seed0, steps):
    # sign(c) must not be decidable only by rounding, or a float32 frontend could legitimately
    # take the other sign; pick the first seed whose every |c| stays clearly away from zero.
    for seed in range(seed0, seed0 + 1000):
        params, grads = make_data(seed, steps)
        st = NumpyStepper(cfg, params)
        cur, ok = params, True
        for s, gr in enumerate(grads):
            cur = st.step(cur, gr, s)
            ok = ok and all(x["minAbsC"] > 1e-2 for x in st.state)
        if ok:
            return params, grads
    raise AssertionError("no lion seed")


ZK_TWIN_SEED = 901  # shared with zookeeper.py: the K=1 ZooKeeper case uses exactly this data
ZK_TWIN_LR = 0.1


def zk_twin_data():
    return make_data(ZK_TWIN_SEED, 4)


def cases() -> list[dict]:
    out = []

    def add(name, description, cfg, seed, steps=4, **kw):
        data_kw = {k: kw.pop(k) for k in ("pscale", "gscale", "f64", "shapes") if k in kw}
        params, grads = make_data(seed, steps, **data_kw)
        out.append(optimizer_case(name, description, cfg, params, grads, **kw))

    # --- sgd
    add("sgd-default", "SGD with every field defaulted (lr 0.01)", {"name": "sgd"}, 101)
    add("sgd-momentum", "SGD heavy-ball momentum; buffer starts as the first gradient (torch)",
        {"name": "sgd", "lr": 0.1, "momentum": 0.9}, 102, steps=5)
    add("sgd-dampening", "SGD momentum with dampening 0.5 (first step undamped, as torch)",
        {"name": "sgd", "lr": 0.05, "momentum": 0.9, "dampening": 0.5}, 103, steps=5)
    add("sgd-nesterov", "SGD Nesterov momentum (torch form g + mu*buf)",
        {"name": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True}, 104, steps=5)
    add("sgd-weight-decay", "SGD with coupled weight decay and momentum",
        {"name": "sgd", "lr": 0.1, "momentum": 0.5, "weightDecay": 0.05}, 105, steps=4)
    add("sgd-lr-schedule", "SGD with lr given as a step schedule, evaluated at the 0-based step index",
        {"name": "sgd", "lr": {"name": "step", "initial": 0.1, "stepSize": 2, "gamma": 0.5},
         "momentum": 0.9}, 106, steps=6)
    p, g = zk_twin_data()
    out.append(optimizer_case(
        "sgd-zookeeper-k1-twin",
        "plain SGD on exactly the data of zookeeper/zookeeper-k1-equals-sgd; the expected params agree to float64 rounding (<= 1 ulp)",
        {"name": "sgd", "lr": ZK_TWIN_LR}, p, g))

    # --- adam
    add("adam-default", "Adam with every field defaulted", {"name": "adam"}, 201, steps=5)
    add("adam-amsgrad", "Adam with amsgrad (max of second moments, torch)",
        {"name": "adam", "lr": 0.01, "amsgrad": True}, 202, steps=6)
    add("adam-weight-decay", "Adam with coupled L2 weight decay (g += wd*p)",
        {"name": "adam", "lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-7, "weightDecay": 0.1}, 203, steps=5)
    # eps is made comparable to sqrt(v) so the two epsilon styles differ by far more than the
    # tolerance; otherwise the case could not tell them apart.
    keras_cfg = {"name": "adam", "lr": 0.01, "eps": 1e-3, "epsilonStyle": "keras"}
    add("adam-keras-epsilon", "Adam epsilonStyle keras: p -= lr*sqrt(1-b2^t)/(1-b1^t) * m/(sqrt(v)+eps); eps 1e-3 vs grads ~1e-3 so it differs from the pytorch style",
        keras_cfg, 204, steps=5, gscale=1e-3)
    pk, gk = make_data(204, 5, gscale=1e-3)
    a = run(keras_cfg, pk, gk)[-1]
    b = run({**keras_cfg, "epsilonStyle": "pytorch"}, pk, gk)[-1]
    assert min(np.max(np.abs(x - y)) for x, y in zip(a, b)) > 1e-4, "keras eps case not discriminating"
    add("adam-keras-epsilon-amsgrad", "Adam epsilonStyle keras combined with amsgrad (max v used inside the keras formula)",
        {"name": "adam", "lr": 0.01, "eps": 1e-3, "amsgrad": True, "epsilonStyle": "keras"}, 205, steps=5, gscale=1e-3)
    add("adam-float64", "Adam with float64 tensors whose values are not float32-representable; tight tolerance",
        {"name": "adam", "lr": 0.01, "weightDecay": 0.01}, 206, steps=5, f64=True, dtype="float64",
        tolerance={"rtol": 1e-12, "atol": 1e-14})
    add("adam-lr-schedule", "Adam with lr given as a cosine schedule with warm-up",
        {"name": "adam", "lr": {"name": "cosine", "peak": 0.05, "decaySteps": 5, "warmupSteps": 2}}, 207, steps=6)

    # --- adamw
    add("adamw-default", "AdamW with default weightDecay 0.01 (decoupled: p *= 1 - lr*wd first)",
        {"name": "adamw", "lr": 0.05}, 301, steps=5)
    add("adamw-weight-decay", "AdamW with explicit weightDecay 0.2 and betas",
        {"name": "adamw", "lr": 0.05, "beta1": 0.85, "beta2": 0.995, "weightDecay": 0.2}, 302, steps=5)
    add("adamw-amsgrad", "AdamW with amsgrad", {"name": "adamw", "lr": 0.02, "weightDecay": 0.1, "amsgrad": True}, 303, steps=6)

    # --- rmsprop
    add("rmsprop-default", "RMSprop with every field defaulted", {"name": "rmsprop"}, 401, steps=5)
    add("rmsprop-momentum", "RMSprop with momentum (torch: buf = mu*buf + g/(sqrt(v)+eps); p -= lr*buf)",
        {"name": "rmsprop", "lr": 0.01, "momentum": 0.9}, 402, steps=5)
    add("rmsprop-centered", "centered RMSprop (v - mean_g^2 under the sqrt)",
        {"name": "rmsprop", "lr": 0.01, "alpha": 0.9, "centered": True}, 403, steps=5)
    add("rmsprop-centered-momentum", "centered RMSprop with momentum",
        {"name": "rmsprop", "lr": 0.005, "alpha": 0.95, "centered": True, "momentum": 0.8}, 404, steps=5)
    add("rmsprop-weight-decay", "RMSprop with coupled weight decay",
        {"name": "rmsprop", "lr": 0.01, "weightDecay": 0.1, "eps": 1e-6}, 405, steps=5)
    add("rmsprop-keras-epsilon", "RMSprop epsilonStyle keras (tfjs): p -= lr*g/sqrt(v+eps); eps 1e-4 vs grads ~1e-2 so it matters",
        {"name": "rmsprop", "lr": 0.01, "eps": 1e-4, "epsilonStyle": "keras"}, 406, steps=5, gscale=1e-2)
    add("rmsprop-keras-centered-momentum-schedule",
        "RMSprop epsilonStyle keras, centered, momentum, lr schedule: tfjs folds lr into the buffer, "
        "buf = mu*buf + lr_t*g/sqrt(v - mg^2 + eps); p -= buf (differs from torch when lr changes)",
        {"name": "rmsprop", "lr": {"name": "step", "initial": 0.01, "stepSize": 2, "gamma": 0.5},
         "alpha": 0.9, "eps": 1e-4, "momentum": 0.9, "centered": True, "epsilonStyle": "keras"},
        407, steps=5, gscale=1e-2)

    # --- adagrad
    add("adagrad-default", "Adagrad with every field defaulted", {"name": "adagrad"}, 501, steps=5)
    add("adagrad-lr-decay", "Adagrad lrDecay: clr = lr/(1+(t-1)*lrDecay)", {"name": "adagrad", "lr": 0.1, "lrDecay": 0.5}, 502, steps=5)
    add("adagrad-weight-decay", "Adagrad with coupled weight decay", {"name": "adagrad", "lr": 0.1, "weightDecay": 0.1}, 503, steps=5)
    add("adagrad-initial-accumulator", "Adagrad with initialAccumulatorValue 0.5 and eps 1e-6",
        {"name": "adagrad", "lr": 0.1, "initialAccumulatorValue": 0.5, "eps": 1e-6}, 504, steps=5)

    # --- lion
    for name, desc, cfg, seed in (
        ("lion-default", "Lion with every field defaulted (lr 1e-4)", {"name": "lion"}, 601),
        ("lion-weight-decay", "Lion with weightDecay: p -= lr*(sign(c) + wd*p) using p before the step",
         {"name": "lion", "lr": 0.01, "beta1": 0.8, "beta2": 0.95, "weightDecay": 0.5}, 602),
    ):
        p, g = _lion_data(cfg, seed * 10, 5)
        out.append(optimizer_case(name, desc + "; every |c| > 1e-2 so sign(c) is unambiguous", cfg, p, g))

    # --- lamb
    add("lamb-default", "LAMB with every field defaulted (bias-corrected, per-tensor trust ratio)", {"name": "lamb"}, 701, steps=5)
    add("lamb-weight-decay", "LAMB with weightDecay added to the update direction r",
        {"name": "lamb", "lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "weightDecay": 0.1}, 702, steps=5)
    p, g = make_data(703, 4)
    p[1] = np.zeros_like(p[1])
    cfg = {"name": "lamb", "lr": 0.01, "weightDecay": 0.05}
    st = NumpyStepper(cfg, p)
    st.step(p, g[0], 0)
    assert st.state[1]["trust"] == 1.0 and st.state[0]["trust"] != 1.0
    out.append(optimizer_case("lamb-zero-param", "LAMB where the [4] param starts all zeros: trust ratio is 1 on step 1 (||p|| = 0), the [3,2] param uses ||p||/||r||",
                              cfg, p, g))
    return out
