#!/usr/bin/env bash
# One command from a fresh clone to a running Studio on embedded chDB (data in ./gls-data).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
exec .venv/bin/gls serve "$@"
