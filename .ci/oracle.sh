#!/usr/bin/env bash
# Re-derives every conformance case's expected values with the independent oracles (PyTorch and
# float64 NumPy) and fails if a committed case file differs: the proof that expected values never
# come from the code under test.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 conformance/oracles/check_cases.py
