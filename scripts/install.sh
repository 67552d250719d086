#!/usr/bin/env bash
# Installs everything the Studio needs into ./.venv and builds the Rust core.
# Idempotent: re-running only rebuilds what changed.  Usage: scripts/install.sh [extra]
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"

step() { printf '\n==> %s\n' "$*"; }

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "Rust (cargo >= 1.88) is needed to build the core; install it with rustup." >&2
    exit 1
  fi
fi
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Python >= 3.11 is needed." >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  step "creating .venv"
  python3 -m venv .venv || { apt-get update -qq && apt-get install -y -qq python3-venv && python3 -m venv .venv; }
fi
step "installing Python dependencies${extra:+ ($extra)}"
.venv/bin/pip install --disable-pip-version-check -q --upgrade pip 'maturin>=1.7,<2'
step "building the Rust core (release) and installing gls_engine"
# The build backend runs `maturin` from PATH (no build isolation): use the venv's.
export PATH="$PWD/.venv/bin:$PATH"
status=0
.venv/bin/pip install --disable-pip-version-check --progress-bar off --no-build-isolation \
  -e ".${extra:+[$extra]}" 2>&1 | grep --line-buffered -v '^Requirement already satisfied' \
  || status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || { echo "installing gls_engine failed (pip exit $status, see above)" >&2; exit 1; }
step "installing the Python SDK (sdk/python, greenlang_studio) for its tests"
.venv/bin/pip install --disable-pip-version-check -q -e sdk/python
step "building the web UI (web/ -> python/gls_engine/webui_dist)"
if ! command -v npm >/dev/null 2>&1 \
   || ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "Node.js >= 20.19 with npm is needed to build the web UI (Vite)." >&2
  exit 1
fi
# npm ci only when the lock file changed since the last install (it wipes node_modules).
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
# tsc reports type errors (e.g. a field the API spec lacks) on stdout: show them on failure.
build_log="$(mktemp)"
(cd web && npm run --silent build >"$build_log" 2>&1) || { cat "$build_log" >&2; rm -f "$build_log"; echo "building the web UI failed (see above)" >&2; exit 1; }
rm -f "$build_log"
.venv/bin/python -c 'import gls_engine, sys; print("gls_engine", gls_engine.__version__, "ready")'
