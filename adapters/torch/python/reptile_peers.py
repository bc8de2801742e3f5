"""PyTorch's own implementations of Reptile's PyTorch-named configs (the `torch.optim` column).

Reptile configs (docs/configs.md) map field by field onto torch.optim constructors and
torch.nn.functional losses. Nothing here reimplements a formula: every number comes from
PyTorch itself, in the dtype of the tensors it is given, so agreement with Reptile is evidence
of PyTorch compatibility. Configs with no PyTorch namesake are refused (the Node side skips them).
"""

import torch
import torch.nn.functional as F


class Unsupported(Exception):
    pass


def make_optimizer(config, params):
    name = config.get("name")
    lr = config.get("lr")
    if not isinstance(lr, (int, float)):
        lr = 0.0  # a schedule: the caller sets group["lr"] before every step
    if config.get("epsilonStyle", "pytorch") != "pytorch":
        raise Unsupported("epsilonStyle 'keras' has no torch.optim equivalent")
    if name == "sgd":
        return torch.optim.SGD(
            params,
            lr=lr,
            momentum=config.get("momentum", 0.0),
            dampening=config.get("dampening", 0.0),
            weight_decay=config.get("weightDecay", 0.0),
            nesterov=config.get("nesterov", False),
        )
    if name in ("adam", "adamw"):
        cls = torch.optim.Adam if name == "adam" else torch.optim.AdamW
        return cls(
            params,
            lr=lr,
            betas=(config.get("beta1", 0.9), config.get("beta2", 0.999)),
            eps=config.get("eps", 1e-8),
            weight_decay=config.get("weightDecay", 0.0 if name == "adam" else 0.01),
            amsgrad=config.get("amsgrad", False),
        )
    if name == "rmsprop":
        return torch.optim.RMSprop(
            params,
            lr=lr,
            alpha=config.get("alpha", 0.99),
            eps=config.get("eps", 1e-8),
            weight_decay=config.get("weightDecay", 0.0),
            momentum=config.get("momentum", 0.0),
            centered=config.get("centered", False),
        )
    if name == "adagrad":
        return torch.optim.Adagrad(
            params,
            lr=lr,
            lr_decay=config.get("lrDecay", 0.0),
            weight_decay=config.get("weightDecay", 0.0),
            initial_accumulator_value=config.get("initialAccumulatorValue", 0.0),
            eps=config.get("eps", 1e-10),
        )
    raise Unsupported(f"optimizer {name!r} has no torch.optim namesake")


def optimizer_trajectory(h, blobs):
    """Params after each step. h: config, lrs (one per step), params (count); blobs: params then grads."""
    n = int(h["params"])
    params = [t.clone().requires_grad_(True) for t in blobs[:n]]
    grads = blobs[n:]
    lrs = h["lrs"]
    if len(grads) != n * len(lrs):
        raise ValueError(f"expected {n * len(lrs)} gradients for {len(lrs)} steps, got {len(grads)}")
    opt = make_optimizer(h["config"], params)
    out = []
    for s, lr in enumerate(lrs):
        for group in opt.param_groups:
            group["lr"] = lr
        for k, p in enumerate(params):
            p.grad = grads[s * n + k].clone()
        opt.step()
        out.extend(p.detach().clone() for p in params)
    return {"steps": len(lrs)}, out


def create_optimizer(worker, h):
    """A torch.optim optimizer over held tensors (bench): params and grads are held names."""
    params = [worker.lookup(n) for n in h["params"]]
    for p, g in zip(params, h["grads"]):
        p.requires_grad_(True)
        p.grad = worker.lookup(g)
    worker.peer_optimizers = getattr(worker, "peer_optimizers", {})
    worker.peer_optimizers[h["id_name"]] = make_optimizer(h["config"], params)
    return {}, []


def step_optimizer(worker, h):
    opt = getattr(worker, "peer_optimizers", {}).get(h["id_name"])
    if opt is None:
        raise ValueError(f"no torch.optim optimizer named {h['id_name']!r} was created")
    opt.step()
    return {}, []


def release_optimizer(worker, h):
    getattr(worker, "peer_optimizers", {}).pop(h["id_name"], None)
    return {}, []


def loss_value_and_grad(h, blobs):
    """torch.nn.functional value of a loss and the gradient of its sum w.r.t. y_pred."""
    config = h["config"]
    y_true, y_pred = blobs
    pred = y_pred.clone().requires_grad_(True)
    value = functional_loss(config, y_true, pred)
    (value if value.dim() == 0 else value.sum()).backward()
    return {}, [value.detach(), pred.grad]


def class_first(x):
    """Reptile's class axis is the last one; torch's is axis 1."""
    return x if x.dim() <= 2 else x.movedim(-1, 1)


def functional_loss(config, y_true, pred):
    name = config.get("name")
    reduction = config.get("reduction", "mean")
    if name == "mse":
        return F.mse_loss(pred, y_true, reduction=reduction)
    if name == "mae":
        return F.l1_loss(pred, y_true, reduction=reduction)
    if name == "huber":
        return F.huber_loss(pred, y_true, reduction=reduction, delta=config.get("delta", 1.0))
    if name == "binaryCrossEntropy":
        if config.get("fromLogits", False):
            return F.binary_cross_entropy_with_logits(pred, y_true, reduction=reduction)
        return F.binary_cross_entropy(pred, y_true, reduction=reduction)
    if name in ("crossEntropy", "nll"):
        if name == "crossEntropy" and not config.get("fromLogits", True):
            raise Unsupported("crossEntropy fromLogits false is Keras' probability form; torch has none")
        weights = config.get("classWeights")
        weight = None if weights is None else torch.tensor(weights, dtype=pred.dtype)
        indices = y_true.dtype == torch.int32
        target = y_true.long() if indices else class_first(y_true)
        if name == "nll":
            return F.nll_loss(class_first(pred), target, weight=weight, reduction=reduction)
        return F.cross_entropy(
            class_first(pred),
            target,
            weight=weight,
            reduction=reduction,
            label_smoothing=config.get("labelSmoothing", 0.0),
        )
    if name == "klDivergence":
        if not config.get("logInput", True):
            raise Unsupported("klDivergence logInput false is Keras' form; torch has none")
        return F.kl_div(pred, y_true, reduction=reduction, log_target=False)
    raise Unsupported(f"loss {name!r} has no torch.nn.functional namesake")


def schedule_values(h, blobs):
    """torch.optim.lr_scheduler values at the requested steps (0-based update counts)."""
    config, steps = h["config"], [int(s) for s in h["steps"]]
    name = config.get("name")
    param = torch.zeros(1, requires_grad=True)
    if name == "step":
        opt = torch.optim.SGD([param], lr=config["initial"])
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=config["stepSize"], gamma=config.get("gamma", 0.1))
    elif name == "exponential":
        if config.get("decaySteps", 1) != 1 or config.get("staircase", False):
            raise Unsupported("exponential decay over several steps is Keras' form; torch ExponentialLR decays every step")
        opt = torch.optim.SGD([param], lr=config["initial"])
        sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=config["gamma"])
    elif name == "oneCycle":
        opt = torch.optim.SGD([param], lr=config["maxLr"])
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt,
            max_lr=config["maxLr"],
            total_steps=config["totalSteps"],
            pct_start=config.get("pctStart", 0.3),
            div_factor=config.get("divFactor", 25.0),
            final_div_factor=config.get("finalDivFactor", 1e4),
            anneal_strategy=config.get("annealStrategy", "cos"),
            cycle_momentum=False,
        )
    else:
        raise Unsupported(f"schedule {name!r} has no torch.optim.lr_scheduler namesake")
    values = []
    for s in range(max(steps) + 1 if steps else 0):
        values.append(sched.get_last_lr()[0])
        if s < max(steps):
            opt.step()
            sched.step()
    return {}, [torch.tensor([values[s] for s in steps], dtype=torch.float64)]
