"""A plain PyTorch training loop that uses Reptile's Adam instead of torch.optim.Adam.

The optimizer is a TorchScript file exported by Reptile from TypeScript (no Python involved in
writing it):

    import { exportArtifact, optimizerStepArtifact } from '@reptile/torch';
    const adam = optimizerStepArtifact({ name: 'adam', lr: 0.05 },
      [{ name: 'w', shape: [4, 1] }, { name: 'b', shape: [1] }]);
    writeFileSync('adam_step.pt', exportArtifact(adam, { inPlace: true }));

Everything else (model, loss, autograd) is ordinary PyTorch. Run:

    python3 train_with_reptile_adam.py adam_step.pt [steps] [--compare]

It prints one JSON line: the loss before every step and the final parameters (and, with
--compare, the same run with torch.optim.Adam). adapters/torch/src/example.test.ts runs it in CI
and checks the losses against Reptile's reference frontend on the same data and initialisation.
"""

import json
import sys

import torch
import torch.nn.functional as F


class ReptileOptimizer:
    """torch.optim-style wrapper around an exported Reptile step (`forward` + `init_state`)."""

    def __init__(self, step_module, params, lr):
        self.step_module = step_module
        self.params = list(params)
        self.lr = lr
        self.t = 0
        # the module checks every tensor's dtype and shape, so a mismatch fails here, clearly
        self.state = list(step_module.init_state(*self.params))

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        self.t += 1
        grads = [p.grad for p in self.params]
        step = torch.tensor(float(self.t), dtype=torch.float64)  # 1-based update index
        lr = torch.tensor(float(self.lr), dtype=torch.float64)
        # exported with inPlace: params and state are updated in the tensors passed in
        self.step_module(*self.params, *grads, *self.state, step, lr)


def data():
    """A small regression problem with exactly representable values (no RNG: reproducible anywhere)."""
    x = torch.tensor([[((i * 7 + j * 3) % 11 - 5) / 4 for j in range(4)] for i in range(16)], dtype=torch.float32)
    w_true = torch.tensor([[1.5], [-2.0], [0.25], [0.75]])
    noise = torch.tensor([[((i * 5) % 7 - 3) / 16] for i in range(16)])
    y = x @ w_true + 0.5 + noise
    return x, y


def init():
    w = torch.tensor([[0.1], [-0.2], [0.3], [0.0]], requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    return w, b


def train(make_optimizer, steps):
    x, y = data()
    w, b = init()
    opt = make_optimizer([w, b])
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.mse_loss(x @ w + b, y)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    return {"losses": losses, "w": w.detach().flatten().tolist(), "b": b.detach().tolist()}


def main():
    path = sys.argv[1]
    steps = int(sys.argv[2]) if len(sys.argv) > 2 and not sys.argv[2].startswith("--") else 50
    step_module = torch.jit.load(path)
    result = {"reptile": train(lambda ps: ReptileOptimizer(step_module, ps, lr=0.05), steps)}
    if "--compare" in sys.argv:
        result["torch.optim"] = train(lambda ps: torch.optim.Adam(ps, lr=0.05), steps)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
