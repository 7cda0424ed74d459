#!/usr/bin/env bash
# Builds the Python package (abi3 wheel, maturin) into a throwaway virtualenv and runs its pytest
# suite against the CLI binary ($TARIFFSIM_BIN, or the target directory's). Run by `make
# test-python` and by .ci/run. Needs python3 (3.9+) and the Python package registry.
set -euo pipefail
cd "$(dirname "$0")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "maturin>=1.5,<2" "pandas>=1.5" pytest
"$work/venv/bin/maturin" build --release --locked --quiet -o "$work/wheels"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "$work"/wheels/tariffsim-*.whl
"$work/venv/bin/python" -m pytest -q tests
