"""Loss oracles.

Values and gradients are computed in float64 with torch autograd. PyTorch-named losses call
torch.nn.functional directly (mse_loss, l1_loss, huber_loss, cross_entropy, nll_loss,
binary_cross_entropy(_with_logits), kl_div). The others (crossEntropy fromLogits:false,
klDivergence logInput:false, hinge, cosineSimilarity) are written here as short torch formulas
from docs/configs.md. Every gradient is also checked against central finite differences.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
import torch.nn.functional as F

from tensors import assert_close, case, central_diff, f32, normal, rng, tensor, uniform

DEFAULTS = {
    "mse": {}, "mae": {}, "huber": {"delta": 1.0},
    "crossEntropy": {"fromLogits": True, "labelSmoothing": 0.0},
    "binaryCrossEntropy": {"fromLogits": False}, "nll": {},
    "klDivergence": {"logInput": True}, "hinge": {}, "cosineSimilarity": {},
}

KERAS_EPS = 1e-7


def resolve(cfg: dict) -> dict:
    out = {"reduction": "mean", **DEFAULTS[cfg["name"]]}
    out.update(cfg)
    return out


def _reduce(x, reduction):
    if reduction == "none":
        return x
    if reduction == "sum":
        return x.sum()
    if reduction == "mean":
        return x.mean()
    if reduction == "batchmean":
        return x.sum() / x.shape[0]
    raise ValueError(reduction)


def _class_first(x):
    # docs: the class axis is the last axis; torch wants it at dim 1.
    return x.movedim(-1, 1) if x.dim() > 2 else x


def cross_entropy_formula(logq, y, c):
    """Generic weighted, label-smoothed cross-entropy on log-probabilities logq (class axis
    last). Equals torch cross_entropy when logq = log_softmax(logits) (asserted below); with
    fromLogits:false it is applied to Keras' normalised and clipped probabilities."""
    n_cls = logq.shape[-1]
    if y.dtype in (torch.int64, torch.int32):
        t = F.one_hot(y.long(), n_cls).to(torch.float64)
    else:
        t = y
    eps = c["labelSmoothing"]
    if eps:
        t = t * (1 - eps) + eps / n_cls
    w = torch.tensor(c["classWeights"], dtype=torch.float64) if "classWeights" in c else torch.ones(n_cls, dtype=torch.float64)
    rows = -(w * t * logq).sum(-1)
    if c["reduction"] == "mean" and "classWeights" in c and y.dtype in (torch.int64, torch.int32):
        # torch normalises a weighted mean by the summed weights of the target classes.
        return rows.sum() / w[y.long()].sum()
    return _reduce(rows, c["reduction"])


def value(cfg: dict, y_pred: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
    c = resolve(cfg)
    n, red = c["name"], c["reduction"]
    if n == "mse":
        return F.mse_loss(y_pred, y_true, reduction=red)
    if n == "mae":
        return F.l1_loss(y_pred, y_true, reduction=red)
    if n == "huber":
        return F.huber_loss(y_pred, y_true, reduction=red, delta=c["delta"])
    if n == "crossEntropy":
        if c["fromLogits"]:
            w = torch.tensor(c["classWeights"], dtype=torch.float64) if "classWeights" in c else None
            tgt = y_true.long() if y_true.dtype == torch.int64 else _class_first(y_true)
            v = F.cross_entropy(_class_first(y_pred), tgt, weight=w, reduction=red,
                                label_smoothing=c["labelSmoothing"])
            mine = cross_entropy_formula(F.log_softmax(y_pred, -1), y_true, c)
            assert_close(v.detach(), mine.detach(), 1e-12, 1e-14, "cross_entropy formula vs torch")
            return v
        q = y_pred / y_pred.sum(-1, keepdim=True)
        q = q.clamp(KERAS_EPS, 1 - KERAS_EPS)
        return cross_entropy_formula(torch.log(q), y_true, c)
    if n == "binaryCrossEntropy":
        if c["fromLogits"]:
            return F.binary_cross_entropy_with_logits(y_pred, y_true, reduction=red)
        return F.binary_cross_entropy(y_pred, y_true, reduction=red)
    if n == "nll":
        w = torch.tensor(c["classWeights"], dtype=torch.float64) if "classWeights" in c else None
        return F.nll_loss(_class_first(y_pred), y_true.long(), weight=w, reduction=red)
    if n == "klDivergence":
        if c["logInput"]:
            # torch warns that 'mean' is elementwise; that is exactly what docs/configs.md pins.
            warnings.filterwarnings("ignore", message="reduction: 'mean' divides", category=UserWarning)
            return F.kl_div(y_pred, y_true, reduction=red, log_target=False)
        p = y_true.clamp(KERAS_EPS, 1.0)
        q = y_pred.clamp(KERAS_EPS, 1.0)
        return _reduce(p * torch.log(p / q), red)
    if n == "hinge":
        return _reduce(torch.clamp(1 - y_true * y_pred, min=0.0), red)
    if n == "cosineSimilarity":
        # Keras l2_normalize: x * rsqrt(max(sum(x^2), 1e-12)).
        def norm(x):
            return x / torch.sqrt(torch.clamp((x * x).sum(-1, keepdim=True), min=1e-12))
        return _reduce(-(norm(y_pred) * norm(y_true)).sum(-1), red)
    raise ValueError(n)


def evaluate(cfg, y_pred: np.ndarray, y_true: np.ndarray):
    yp = torch.tensor(y_pred, dtype=torch.float64, requires_grad=True)
    yt = torch.tensor(y_true, dtype=torch.int64 if y_true.dtype.kind == "i" else torch.float64)
    v = value(cfg, yp, yt)
    v.sum().backward()
    return v.detach().numpy().copy(), yp.grad.numpy().copy()


def loss_case(name, description, cfg, y_true, y_pred, fd_h=1e-6, fd_tol=(1e-6, 1e-8), tolerance=None):
    val, grad = evaluate(cfg, y_pred, y_true)
    fd = central_diff(lambda x: float(evaluate(cfg, x, y_true)[0].sum()), y_pred, fd_h)
    assert_close(grad, fd, fd_tol[0], fd_tol[1], f"loss {name}: autograd vs finite differences")
    ydt = "int32" if y_true.dtype.kind == "i" else "float32"
    return case(name, "loss", description, tolerance=tolerance, loss=cfg,
                yTrue=tensor(y_true, ydt), yPred=tensor(y_pred),
                expected={"value": tensor(val), "gradYPred": tensor(grad)})


def _away_from(x: np.ndarray, kinks, margin=1e-3):
    """Assert no input sits near a kink, where float32 rounding could pick the other branch."""
    for k in kinks:
        assert np.min(np.abs(x - k)) > margin, f"input too close to kink {k}"


def _probs(g, shape, scale=1.0):
    return f32(torch.softmax(torch.tensor(normal(g, shape, scale)), -1).numpy())


def cases() -> list[dict]:
    out = []
    add = lambda *a, **k: out.append(loss_case(*a, **k))  # noqa: E731
    g = rng(2024)

    # --- regression losses
    for name, desc, cfg, shape in (
        ("mse-mean-2d", "mse, reduction defaulted to mean, shape [4,3]", {"name": "mse"}, [4, 3]),
        ("mse-sum-3d", "mse, sum over a [2,3,2] tensor", {"name": "mse", "reduction": "sum"}, [2, 3, 2]),
        ("mse-none-2d", "mse, reduction none: elementwise values", {"name": "mse", "reduction": "none"}, [3, 4]),
        ("mae-mean-3d", "mae (torch l1_loss), explicit mean, shape [2,2,3]", {"name": "mae", "reduction": "mean"}, [2, 2, 3]),
        ("mae-sum-2d", "mae, sum", {"name": "mae", "reduction": "sum"}, [3, 4]),
        ("mae-none-3d", "mae, none", {"name": "mae", "reduction": "none"}, [2, 3, 2]),
    ):
        yt, yp = normal(g, shape), normal(g, shape)
        _away_from(yp - yt, [0.0])
        add(name, desc, cfg, yt, yp)

    for name, desc, cfg, delta in (
        ("huber-default-mean", "huber with delta defaulted to 1; |d| on both sides of delta", {"name": "huber"}, 1.0),
        ("huber-delta1-none", "huber, explicit delta 1, none", {"name": "huber", "delta": 1, "reduction": "none"}, 1.0),
        ("huber-delta-half-sum", "huber, delta 0.5, sum; |d| on both sides of delta", {"name": "huber", "delta": 0.5, "reduction": "sum"}, 0.5),
        ("huber-delta-half-none", "huber, delta 0.5, none", {"name": "huber", "delta": 0.5, "reduction": "none"}, 0.5),
    ):
        yt = normal(g, [4, 3])
        d = f32(np.array([0.1, -0.3, 0.45, -0.62, 0.8, -0.95, 1.2, -1.5, 2.0, -2.7, 0.05, 3.1]) * delta * 1.3).reshape(4, 3)
        yp = f32(yt + d)
        _away_from(np.abs(yp - yt), [delta, 0.0])
        assert np.any(np.abs(yp - yt) < delta) and np.any(np.abs(yp - yt) > delta)
        add(name, desc, cfg, yt, yp)

    # --- cross-entropy
    logits = lambda sh: normal(g, sh, 1.5)  # noqa: E731
    idx = lambda n, c: g.integers(0, c, size=n).astype(np.int32)  # noqa: E731
    add("cross-entropy-indices-mean", "torch cross_entropy, int32 class-index targets, all defaults",
        {"name": "crossEntropy"}, idx(5, 4), logits([5, 4]))
    add("cross-entropy-indices-sum", "cross_entropy, class indices, sum", {"name": "crossEntropy", "reduction": "sum"}, idx(4, 3), logits([4, 3]))
    add("cross-entropy-indices-none", "cross_entropy, class indices, none: one value per row",
        {"name": "crossEntropy", "fromLogits": True, "reduction": "none"}, idx(4, 3), logits([4, 3]))
    add("cross-entropy-3d-indices", "cross_entropy with yPred [2,3,4]: class axis is the LAST axis, targets [2,3]",
        {"name": "crossEntropy", "reduction": "mean"}, idx([2, 3], 4), logits([2, 3, 4]))
    add("cross-entropy-probs-mean", "cross_entropy with probability targets (same shape as yPred)",
        {"name": "crossEntropy"}, _probs(g, [4, 3]), logits([4, 3]))
    add("cross-entropy-label-smoothing", "cross_entropy, class indices, labelSmoothing 0.1 (target (1-e)*onehot + e/C)",
        {"name": "crossEntropy", "labelSmoothing": 0.1}, idx(5, 4), logits([5, 4]))
    add("cross-entropy-class-weights", "cross_entropy, class indices, classWeights; mean divides by the summed weights of the targets",
        {"name": "crossEntropy", "classWeights": [0.2, 1.0, 2.5, 0.7]}, idx(6, 4), logits([6, 4]))
    add("cross-entropy-class-weights-smoothing",
        "classWeights with labelSmoothing 0.2, class indices, mean: sum_i sum_c w_c t_ic (-log p_ic) / sum_i w_{y_i} (torch)",
        {"name": "crossEntropy", "classWeights": [0.5, 2.0, 1.0], "labelSmoothing": 0.2}, idx(5, 3), logits([5, 3]))
    add("cross-entropy-class-weights-smoothing-none", "classWeights with labelSmoothing 0.2, class indices, none",
        {"name": "crossEntropy", "classWeights": [0.5, 2.0, 1.0], "labelSmoothing": 0.2, "reduction": "none"}, idx(4, 3), logits([4, 3]))
    add("cross-entropy-probs-weights-smoothing",
        "probability targets with classWeights and labelSmoothing 0.1, mean: divides by the number of rows (torch)",
        {"name": "crossEntropy", "classWeights": [1.5, 0.5, 1.0, 3.0], "labelSmoothing": 0.1}, _probs(g, [3, 4]), logits([3, 4]))
    add("cross-entropy-probabilities-input", "fromLogits false (Keras): yPred un-normalised positive scores, normalised then clipped; probability targets",
        {"name": "crossEntropy", "fromLogits": False}, _probs(g, [4, 3]), uniform(g, [4, 3], 0.1, 2.0))
    yp = uniform(g, [4, 3], 0.1, 1.0)
    yp[1] = [0.0, 0.0, 3.0]    # both clip ends: q = [1e-7, 1e-7, 1-1e-7]
    yp[2, 0] = 0.0             # one clipped zero next to unclipped entries
    add("cross-entropy-probabilities-clipped",
        "fromLogits false with class-index targets, classWeights, labelSmoothing 0.1, sum; rows with exact zeros / a one-hot row hit the [1e-7, 1-1e-7] clip (zero gradient through the clip)",
        {"name": "crossEntropy", "fromLogits": False, "classWeights": [1.0, 2.0, 0.5], "labelSmoothing": 0.1, "reduction": "sum"},
        np.array([0, 2, 0, 1], dtype=np.int32), yp, fd_h=1e-9, fd_tol=(1e-5, 1e-5))

    # --- binary cross-entropy
    bt = f32(np.array([0.0, 1.0, 1.0, 0.0, 0.3, 0.8, 1.0, 0.0]).reshape(2, 4))
    add("bce-mean", "torch binary_cross_entropy on probabilities, defaults (fromLogits false, mean); some soft targets",
        {"name": "binaryCrossEntropy"}, bt, uniform(g, [2, 4], 0.05, 0.95))
    add("bce-sum", "binary_cross_entropy, sum", {"name": "binaryCrossEntropy", "fromLogits": False, "reduction": "sum"},
        bt, uniform(g, [2, 4], 0.05, 0.95))
    add("bce-none", "binary_cross_entropy, none", {"name": "binaryCrossEntropy", "reduction": "none"}, bt.reshape(8), uniform(g, [8], 0.05, 0.95))
    add("bce-logits-mean", "binary_cross_entropy_with_logits, mean", {"name": "binaryCrossEntropy", "fromLogits": True},
        bt, normal(g, [2, 4], 2.0))
    large = f32(np.array([30.0, -30.0, 30.0, -30.0, 25.0, -18.5, 0.5, -0.25]))
    add("bce-logits-large-none", "binary_cross_entropy_with_logits with logits of magnitude up to 30 on both sides of the label, none: must not overflow or lose the tiny values",
        {"name": "binaryCrossEntropy", "fromLogits": True, "reduction": "none"},
        f32(np.array([1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0])), large)
    add("bce-logits-large-sum", "binary_cross_entropy_with_logits with large logits, sum",
        {"name": "binaryCrossEntropy", "fromLogits": True, "reduction": "sum"},
        f32(np.array([1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.7, 0.2])), large)

    # --- nll
    logp = lambda sh: f32(torch.log_softmax(torch.tensor(normal(g, sh, 1.5)), -1).numpy())  # noqa: E731
    add("nll-mean", "torch nll_loss on log-probabilities, defaults", {"name": "nll"}, idx(5, 4), logp([5, 4]))
    add("nll-class-weights-mean", "nll_loss with classWeights, mean divides by summed target weights",
        {"name": "nll", "classWeights": [0.3, 1.0, 2.0, 0.6]}, idx(6, 4), logp([6, 4]))
    add("nll-class-weights-sum", "nll_loss with classWeights, sum", {"name": "nll", "classWeights": [2.0, 0.5, 1.0], "reduction": "sum"},
        idx(4, 3), logp([4, 3]))
    add("nll-none", "nll_loss, none", {"name": "nll", "reduction": "none"}, idx(4, 3), logp([4, 3]))

    # --- KL divergence
    def kl_target(shape):
        p = _probs(g, shape)
        p.reshape(-1)[1] = 0.0  # p = 0 contributes 0 (torch uses xlogy)
        return p
    for name, desc, cfg in (
        ("kl-log-batchmean", "torch kl_div(input=log q, target=p), batchmean (sum / dim 0); a zero in the target", {"name": "klDivergence", "reduction": "batchmean"}),
        ("kl-log-mean", "kl_div, defaults (logInput true, mean over all elements as torch); a zero in the target", {"name": "klDivergence"}),
        ("kl-log-sum", "kl_div, sum", {"name": "klDivergence", "logInput": True, "reduction": "sum"}),
        ("kl-log-none", "kl_div, none: elementwise p*(log p - yPred)", {"name": "klDivergence", "reduction": "none"}),
    ):
        add(name, desc, cfg, kl_target([3, 4]), logp([3, 4]))
    p = kl_target([3, 4])
    add("kl-prob-mean", "logInput false (Keras p*log(p/q), both clipped to [1e-7,1]), elementwise mean; a zero in the target",
        {"name": "klDivergence", "logInput": False}, p, _probs(g, [3, 4]))
    q = _probs(g, [3, 4])
    q[2, 3] = 0.0
    add("kl-prob-none-clipped", "logInput false, none; zero in target and in yPred both clip to 1e-7 (zero gradient through the clip)",
        {"name": "klDivergence", "logInput": False, "reduction": "none"}, kl_target([3, 4]), q, fd_h=1e-9, fd_tol=(1e-5, 1e-5))
    add("kl-prob-batchmean", "logInput false, batchmean", {"name": "klDivergence", "logInput": False, "reduction": "batchmean"},
        kl_target([2, 3]), _probs(g, [2, 3]))

    # --- hinge
    for name, desc, cfg, shape in (
        ("hinge-mean", "Keras hinge max(1 - y*yPred, 0), labels in {-1, 1}, defaults", {"name": "hinge"}, [4, 3]),
        ("hinge-sum", "hinge, sum", {"name": "hinge", "reduction": "sum"}, [2, 5]),
        ("hinge-none", "hinge, none", {"name": "hinge", "reduction": "none"}, [3, 4]),
    ):
        yt = f32(np.where(g.random(shape) < 0.5, -1.0, 1.0))
        yp = normal(g, shape, 1.5)
        _away_from(1 - yt * yp, [0.0])
        assert np.any(1 - yt * yp < 0) and np.any(1 - yt * yp > 0)
        add(name, desc, cfg, yt, yp)

    # --- cosine similarity
    add("cosine-mean", "Keras cosine similarity loss -sum(yPred/|yPred| * y/|y|) over the last axis, mean over rows, defaults",
        {"name": "cosineSimilarity"}, normal(g, [4, 3]), normal(g, [4, 3]))
    add("cosine-sum-3d", "cosine similarity on [2,2,3] (last axis), sum over the 4 rows",
        {"name": "cosineSimilarity", "reduction": "sum"}, normal(g, [2, 2, 3]), normal(g, [2, 2, 3]))
    yt = normal(g, [3, 4])
    yt[1] = 0.0
    add("cosine-none-zero-row", "cosine similarity, none: one value per row (shape [3]); an all-zero target row gives 0 via the sqrt(1e-12) norm clamp",
        {"name": "cosineSimilarity", "reduction": "none"}, yt, normal(g, [3, 4]))
    return out
