#!/usr/bin/env bash
# Installs what the tests need, then runs every test: Rust unit tests and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh test
export PATH="$HOME/.cargo/bin:$PATH"
printf '\n==> lint (ruff, mypy)\n'
.venv/bin/ruff check python tests
.venv/bin/mypy --config-file pyproject.toml
printf '\n==> cargo test\n'
cargo test --workspace --quiet
printf '\n==> pytest\n'
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
