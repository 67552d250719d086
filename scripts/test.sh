#!/usr/bin/env bash
# Installs what the tests need, then runs every test: Rust unit tests and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh test
if ! command -v chromium >/dev/null 2>&1 && [ -z "${GLS_CHROMIUM:-}" ]; then
  printf '\n==> installing Debian chromium for the browser tests\n'
  export DEBIAN_FRONTEND=noninteractive
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi
fi
# The metadata tests start a real PostgreSQL server (tests/support/postgres_server.py).
if ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null && [ -z "${GLS_TEST_POSTGRES_BIN:-}" ]; then
  printf '\n==> installing Debian postgresql for the metadata tests\n'
  export DEBIAN_FRONTEND=noninteractive
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq postgresql >/dev/null; fi
fi
export PATH="$HOME/.cargo/bin:$PATH"
printf '\n==> lint (ruff, mypy)\n'
.venv/bin/ruff check python tests benches
.venv/bin/ruff format --check python tests benches
.venv/bin/mypy --config-file pyproject.toml
printf '\n==> cargo test\n'
cargo test --workspace --quiet
printf '\n==> cargo clippy (warnings are errors)\n'
if ! cargo clippy --version >/dev/null 2>&1; then rustup component add clippy; fi
cargo clippy --all-targets -- -D warnings
printf '\n==> stubtest (python/gls_engine/_core.pyi against the built extension)\n'
# pyproject's mypy settings: mypy_path finds the stub beside the package
.venv/bin/python -m mypy.stubtest --mypy-config-file pyproject.toml gls_engine._core
printf '\n==> web UI unit tests (vitest)\n'
(cd web && npm test --silent)
printf '\n==> pytest\n'
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
