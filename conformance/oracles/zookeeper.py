"""ZooKeeper oracle, straight from /work/shared/ZOOKEEPER.md (steps 1-4 and the extensions).

K replicas are simulated in one process. Proposals come from plain float64 numpy (SGD,
heavy-ball, Nesterov) or, with `base`, from one independent optimizer per worker (torch.optim
for PyTorch-named bases), each keeping its own state. The properties ZOOKEEPER.md lists are
asserted here so a wrong oracle cannot silently produce case files.
"""

from __future__ import annotations

import numpy as np

import optimizers
import schedules
from tensors import assert_close, case, normal, rng, tensor

DEFAULTS = {"lr": 0.01, "beta": 1.0, "syncEvery": 1, "momentum": 0.0, "nesterov": False}


def resolve(cfg: dict) -> dict:
    out = dict(DEFAULTS)
    out.update(cfg)
    return out


def run(cfg: dict, workers: int, params, grads):
    """grads[step][worker][param] -> replicas[step][worker][param] after each step."""
    c = resolve(cfg)
    reps = [[np.array(p, dtype=np.float64) for p in params] for _ in range(workers)]
    bufs = [[np.zeros_like(p) for p in params] for _ in range(workers)]
    base = [optimizers.make_stepper(c["base"], params) for _ in range(workers)] if "base" in c else None
    traj = []
    for s, step_grads in enumerate(grads):
        lr = schedules.evaluate(c["lr"], s)
        proposals = []
        for k in range(workers):
            gk = [np.array(g, dtype=np.float64) for g in step_grads[k]]
            if base is not None:
                # The base optimizer's own lr applies; ZooKeeper's lr/momentum are not used.
                proposals.append(base[k].step(reps[k], gk, s))
                continue
            prop = []
            for i, (x, g) in enumerate(zip(reps[k], gk)):
                d = g
                if c["momentum"] != 0:
                    bufs[k][i] = c["momentum"] * bufs[k][i] + g
                    d = g + c["momentum"] * bufs[k][i] if c["nesterov"] else bufs[k][i]
                prop.append(x - lr * d)
            proposals.append(prop)
        if (s + 1) % c["syncEvery"] == 0:
            beta = c["beta"]
            mean = [sum(proposals[k][i] for k in range(workers)) / workers for i in range(len(params))]
            reps = [[(1 - beta) * proposals[k][i] + beta * mean[i] for i in range(len(params))]
                    for k in range(workers)]
        else:
            reps = proposals
        traj.append([[x.copy() for x in r] for r in reps])
    return traj


def _data(seed, workers, steps, shapes=optimizers.SHAPES):
    g = rng(seed)
    params = [normal(g, sh) for sh in shapes]
    grads = [[[normal(g, sh) for sh in shapes] for _ in range(workers)] for _ in range(steps)]
    return params, grads


def _mean_grads(grads):
    return [[sum(step[k][i] for k in range(len(step))) / len(step) for i in range(len(step[0]))] for step in grads]


def _check_mean_moves_like_sgd(cfg, params, grads, traj):
    # PSGD terms cancel over workers, so the replica mean follows plain SGD on the mean gradient.
    c = resolve(cfg)
    xbar = [np.array(p) for p in params]
    for s, step in enumerate(grads):
        lr = schedules.evaluate(c["lr"], s)
        mg = _mean_grads([step])[0]
        xbar = [x - lr * g for x, g in zip(xbar, mg)]
        got = [sum(r[i] for r in traj[s]) / len(traj[s]) for i in range(len(params))]
        for a, b in zip(got, xbar):
            assert_close(a, b, 1e-12, 1e-14, f"zookeeper replica mean at step {s}")


def _check_sync_equals_torch_sgd(cfg, params, grads, traj):
    # beta=1, H=1: synchronous data-parallel (momentum) SGD on the mean gradient, replicas equal.
    c = resolve(cfg)
    sgd = {"name": "sgd", "lr": c["lr"], "momentum": c["momentum"], "nesterov": c["nesterov"]}
    ref = optimizers.run(sgd, params, _mean_grads(grads))
    for s in range(len(grads)):
        for k in range(len(traj[s])):
            for a, b in zip(traj[s][k], ref[s]):
                assert_close(a, b, 1e-12, 1e-14, f"zookeeper sync vs torch SGD at step {s}")


def zk_case(name, description, cfg, workers, params, grads, traj):
    return case(
        name, "zookeeper", description, workers=workers, optimizer=cfg,
        params=[tensor(p) for p in params],
        grads=[[[tensor(x) for x in w] for w in step] for step in grads],
        expected=[[[tensor(x) for x in w] for w in step] for step in traj],
    )


def cases() -> list[dict]:
    out = []

    # K=1 uses the same data as optimizers/sgd-zookeeper-k1-twin and must equal torch SGD.
    p, g1 = optimizers.zk_twin_data()
    grads = [[step] for step in g1]
    cfg = {"name": "zookeeper", "lr": optimizers.ZK_TWIN_LR}
    traj = run(cfg, 1, p, grads)
    ref = optimizers.run({"name": "sgd", "lr": optimizers.ZK_TWIN_LR}, p, g1)
    for s in range(len(grads)):
        for a, b in zip(traj[s][0], ref[s]):
            assert_close(a, b, 1e-15, 1e-16, "zookeeper K=1 vs torch SGD")
    out.append(zk_case("zookeeper-k1-equals-sgd",
                       "K=1: PSGD is 0, exactly SGD; same data as optimizers/sgd-zookeeper-k1-twin, expected params agree to float64 rounding",
                       cfg, 1, p, grads, traj))

    specs = [
        # name, description, cfg, K, steps, seed, sync-equals-sgd?, mean-check?
        ("zookeeper-k2-sync-defaults", "K=2 with every field defaulted (lr 0.01, beta 1, syncEvery 1): synchronous SGD on the mean gradient, replicas stay identical",
         {"name": "zookeeper"}, 2, 4, 1001, True, True),
        ("zookeeper-k2-beta1-h1", "K=2, beta 1, syncEvery 1 given explicitly: synchronous SGD on the mean gradient",
         {"name": "zookeeper", "lr": 0.1, "beta": 1, "syncEvery": 1}, 2, 4, 1002, True, True),
        ("zookeeper-k3-beta-half-h1", "K=3, beta 0.5, syncEvery 1: x_k = 0.5*x~_k + 0.5*mean(x~); replicas disagree",
         {"name": "zookeeper", "lr": 0.1, "beta": 0.5, "syncEvery": 1}, 3, 4, 1003, False, True),
        ("zookeeper-k2-local-sgd-h3", "K=2, beta 1, syncEvery 3: local SGD, model averaging after steps 2 and 5 (0-based)",
         {"name": "zookeeper", "lr": 0.1, "beta": 1, "syncEvery": 3}, 2, 6, 1004, False, True),
        ("zookeeper-k4-beta-quarter-h2", "K=4, beta 0.25, syncEvery 2: partial pull towards the mean on odd (0-based) steps only; last step is off-sync",
         {"name": "zookeeper", "lr": 0.05, "beta": 0.25, "syncEvery": 2}, 4, 5, 1005, False, True),
        ("zookeeper-k2-momentum", "K=2 heavy-ball momentum 0.9 (m = mu*m + g, local buffers from zero), beta 0.5, syncEvery 2",
         {"name": "zookeeper", "lr": 0.05, "beta": 0.5, "syncEvery": 2, "momentum": 0.9}, 2, 5, 1006, False, False),
        ("zookeeper-k3-nesterov-sync", "K=3 Nesterov momentum 0.9, beta 1, syncEvery 1: equals synchronous torch SGD(nesterov) on the mean gradient",
         {"name": "zookeeper", "lr": 0.05, "beta": 1, "syncEvery": 1, "momentum": 0.9, "nesterov": True}, 3, 4, 1007, True, False),
        ("zookeeper-k2-nesterov-elastic", "K=2 Nesterov momentum 0.8, beta 0.75, syncEvery 2: local buffers are never averaged",
         {"name": "zookeeper", "lr": 0.05, "beta": 0.75, "syncEvery": 2, "momentum": 0.8, "nesterov": True}, 2, 4, 1008, False, False),
        ("zookeeper-k2-lr-schedule", "K=2, beta 0.5, lr a step schedule evaluated at the 0-based step index",
         {"name": "zookeeper", "lr": {"name": "step", "initial": 0.2, "stepSize": 2, "gamma": 0.5}, "beta": 0.5, "syncEvery": 1},
         2, 5, 1009, False, True),
    ]
    for name, desc, cfg, k, steps, seed, sync_sgd, mean_check in specs:
        p, grads = _data(seed, k, steps)
        traj = run(cfg, k, p, grads)
        if sync_sgd:
            _check_sync_equals_torch_sgd(cfg, p, grads, traj)
        if mean_check:
            _check_mean_moves_like_sgd(cfg, p, grads, traj)
        if resolve(cfg)["beta"] < 1 or resolve(cfg)["syncEvery"] > 1:
            # the case must actually exercise disagreement between replicas at some step
            assert any(np.max(np.abs(st[0][i] - st[1][i])) > 1e-3 for st in traj for i in range(len(p))), name
        out.append(zk_case(name, desc, cfg, k, p, grads, traj))

    # base adam: each worker runs its own torch Adam (own m, v, step count) to form x~_k.
    for name, desc, cfg, seed in (
        ("zookeeper-k2-base-adam", "K=2, base adam (lr 0.01, local Adam state per worker, torch.optim.Adam), beta 1, syncEvery 2; not synchronous Adam on averaged gradients",
         {"name": "zookeeper", "beta": 1, "syncEvery": 2, "base": {"name": "adam", "lr": 0.01}}, 1010),
        ("zookeeper-k3-base-adam-elastic", "K=3, base adam (lr 0.02, beta1 0.8), beta 0.5, syncEvery 1",
         {"name": "zookeeper", "beta": 0.5, "syncEvery": 1, "base": {"name": "adam", "lr": 0.02, "beta1": 0.8}}, 1011),
    ):
        k = 2 if "k2" in name else 3
        p, grads = _data(seed, k, 5)
        traj = run(cfg, k, p, grads)
        sync_adam = optimizers.run(cfg["base"], p, _mean_grads(grads))
        assert np.max(np.abs(traj[-1][0][0] - sync_adam[-1][0])) > 1e-4, "base adam should differ from sync Adam"
        out.append(zk_case(name, desc, cfg, k, p, grads, traj))
    return out
