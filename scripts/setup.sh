#!/usr/bin/env bash
# Installs what Reptile needs on a fresh machine with Node 20 and Python 3.
#   scripts/setup.sh demo   pnpm (pinned by package.json's packageManager) and the node packages
#   scripts/setup.sh test   the same, plus Open MPI and Chromium (apt) and the Python packages the tests
#                           use (PyTorch's CPU build, pinned)
# Safe to run again: each step is a no-op when already satisfied.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null
fi

if [ "${1:-test}" = "test" ] && ! command -v mpicc >/dev/null 2>&1; then
  # Open MPI for the distributed tests; @reptile/distributed builds its addon at install when
  # the headers exist, so this comes before pnpm install.
  echo "setup: installing Open MPI"
  apt-get update -qq && apt-get install -y -qq openmpi-bin libopenmpi-dev >/dev/null
fi

if [ "${1:-test}" = "test" ] && [ ! -x /usr/bin/chromium ]; then
  # Debian's Chromium for the headless-browser test of the HTML conformance report; playwright-core
  # drives it and deliberately downloads no browser of its own.
  echo "setup: installing Chromium"
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi

# onnxruntime-node's install script would download CUDA files; its CPU binaries ship in the package.
export ONNXRUNTIME_NODE_INSTALL=skip
pnpm install --frozen-lockfile --reporter=silent

if [ "${1:-test}" = "test" ]; then
  # torch==2.13.0 is pinned: an unpinned torch would pull a multi-GB CUDA build.
  python3 -m pip install --quiet --disable-pip-version-check -r conformance/oracles/requirements.txt
fi
