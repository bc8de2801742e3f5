#!/usr/bin/env python3
"""Prove the committed case files come from the oracle.

    python3 conformance/oracles/check_cases.py

Recomputes every case with the float64 oracle and compares it with the committed file:
everything outside `expected` must be identical, every number under `expected` must agree
within 1e-12 relative (absolute floor 1e-15, so values that are zero up to float64 noise do not
depend on the machine). Files the oracle no longer produces are stale; cases without a file are
missing. Ends with 'P passed, F failed' and exits non-zero on any failure.
"""

from __future__ import annotations

import sys

sys.dont_write_bytecode = True

import json
import math
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_cases  # noqa: E402

RTOL = 1e-12
ATOL = 1e-15


def _diff(a, b, path: str, numeric: bool):
    """First difference between committed value a and fresh value b, as a message, or None."""
    if isinstance(b, dict):
        if not isinstance(a, dict) or set(a) != set(b):
            return f"{path or 'case'}: keys differ (committed {sorted(a) if isinstance(a, dict) else a!r}, fresh {sorted(b)})"
        for k in b:
            m = _diff(a[k], b[k], f"{path}.{k}" if path else k, numeric or (not path and k == "expected"))
            if m:
                return m
        return None
    if isinstance(b, list):
        if not isinstance(a, list) or len(a) != len(b):
            return f"{path}: length differs (committed {len(a) if isinstance(a, list) else a!r}, fresh {len(b)})"
        for i, (x, y) in enumerate(zip(a, b)):
            m = _diff(x, y, f"{path}[{i}]", numeric)
            if m:
                return m
        return None
    both_num = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
    if numeric and both_num and not path.endswith(".shape") and "].shape[" not in path:
        if math.isfinite(a) and abs(a - b) <= ATOL + RTOL * max(abs(a), abs(b)):
            return None
        return f"{path}: committed {a!r}, fresh {b!r}"
    if type(a) is not type(b) or a != b:
        return f"{path}: committed {a!r}, fresh {b!r}"
    return None


def main() -> int:
    fresh = generate_cases.build()
    root = generate_cases.CASES
    on_disk = {f"{d}/{f.name}" for d in generate_cases.KINDS if (root / d).is_dir() for f in (root / d).glob("*.json")}
    passed, failed = 0, 0
    for rel in sorted(set(fresh) | on_disk):
        if rel not in on_disk:
            msg = "missing: the oracle produces this case but the file is not committed"
        elif rel not in fresh:
            msg = "stale: the oracle no longer produces this case"
        else:
            try:
                committed = json.loads((root / rel).read_text())
                msg = _diff(committed, fresh[rel], "", False)
            except json.JSONDecodeError as e:
                msg = f"invalid JSON: {e}"
        if msg:
            failed += 1
            print(f"FAIL conformance/cases/{rel}: {msg}")
        else:
            passed += 1
    if failed:
        print("regenerate with: python3 conformance/oracles/generate_cases.py")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
