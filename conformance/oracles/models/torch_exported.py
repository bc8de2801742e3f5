"""Real models exported by PyTorch's own `torch.onnx.export`, with PyTorch's outputs.

Reptile's converters are validated against files made by other tools, not by Reptile. This
oracle builds three small networks in PyTorch (an MLP; a CNN with BatchNorm and pooling; an
LSTM classifier), gives them deterministic non-trivial weights (BatchNorm running statistics
included, so inference-mode BatchNorm is exercised), exports each with the TorchScript-based
exporter (opset 17, dynamic batch axis) and writes, per model:

  <name>.onnx          the file torch.onnx.export wrote
  <name>.input.json    {"shape": [...], "data": [...]} a float32 batch
  <name>.expected.json the PyTorch float32 output for that batch, same format

Usage: python3 torch_exported.py OUT_DIR
"""

import json
import os
import sys
import warnings

import torch
from torch import nn

warnings.filterwarnings("ignore")  # the legacy exporter's deprecation notice


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 5))

    def forward(self, x):
        return torch.softmax(self.net(x), dim=-1)


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(4, 6, kernel_size=3, stride=1)
        self.bn2 = nn.BatchNorm2d(6)
        self.pool2 = nn.AvgPool2d(2)
        self.fc = nn.Linear(6 * 1 * 1, 3)

    def forward(self, x):
        h = self.pool1(torch.relu(self.bn1(self.conv1(x))))
        h = self.pool2(torch.relu(self.bn2(self.conv2(h))))
        return self.fc(torch.flatten(h, 1))


class LstmClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(input_size=3, hidden_size=5, batch_first=True)
        self.fc = nn.Linear(5, 2)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


def perturb(model, seed):
    """Deterministic weights, and BatchNorm statistics that are not the (0, 1) defaults."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.rand(p.shape, generator=g) - 0.5)
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.rand(m.running_mean.shape, generator=g) - 0.5)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)
    return model.eval()


def tensor_json(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}


def export(out_dir, name, model, example, **options):
    path = os.path.join(out_dir, f"{name}.onnx")
    torch.onnx.export(
        model,
        (example,),
        path,
        dynamo=False,
        opset_version=17,
        input_names=["input"],
        output_names=["output"],
        dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
        **options,
    )
    with torch.no_grad():
        expected = model(example)
    with open(os.path.join(out_dir, f"{name}.input.json"), "w") as f:
        json.dump(tensor_json(example), f)
    with open(os.path.join(out_dir, f"{name}.expected.json"), "w") as f:
        json.dump(tensor_json(expected), f)


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    export(out_dir, "mlp", perturb(Mlp(), 10), torch.rand(4, 12, generator=g) * 2 - 1)
    image = torch.rand(3, 2, 8, 8, generator=g) * 2 - 1
    # PRESERVE keeps BatchNormalization nodes (inference form); the default folds them into Conv.
    export(out_dir, "cnn", perturb(Cnn(), 11), image, training=torch.onnx.TrainingMode.PRESERVE)
    export(out_dir, "cnn_folded", perturb(Cnn(), 11), image)
    export(out_dir, "lstm", perturb(LstmClassifier(), 12), torch.rand(3, 7, 3, generator=g) * 2 - 1)


if __name__ == "__main__":
    main()
