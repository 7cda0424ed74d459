#!/usr/bin/env bash
# Builds the Python package (abi3 wheel, maturin) into a throwaway virtualenv and runs its pytest
# suite against the CLI binary ($TARIFFSIM_BIN, or the target directory's). Run by `make
# test-python` and by .ci/run. Needs python3 (3.9+, with venv) and the Python package registry;
# where either is missing it says so loudly and skips (a build or test failure always fails).
set -euo pipefail
cd "$(dirname "$0")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
skip() {
    echo "=================================================================="
    echo "SKIPPED: Python package tests: $1"
    echo "=================================================================="
    exit 0
}
command -v python3 >/dev/null || skip "no python3 on this machine"
python3 -m venv "$work/venv" 2>/dev/null || skip "python3 has no venv module (Debian: python3-venv)"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "maturin>=1.5,<2" "pandas>=1.5" pytest \
    || skip "cannot install maturin, pandas and pytest (is the Python package registry reachable?)"
"$work/venv/bin/maturin" build --release --locked --quiet -o "$work/wheels"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "$work"/wheels/tariffsim-*.whl
"$work/venv/bin/python" -m pytest -q tests
