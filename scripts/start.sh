#!/usr/bin/env bash
# Install everything and start workshop so phones on the same network can reach it.
#   PORT=8501 (default)   WORKSHOP_PUBLIC_URL=https://...  (optional, for the QR code)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
port="${PORT:-8501}"
# A room is hundreds of open connections: allow every file the system lets us have
# (the usual soft limit of 1,024 let one client freeze the server).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
.venv/bin/python -m workshop.cli check data/templates/*.yaml
echo "Starting workshop on port $port (all interfaces). Open http://localhost:$port on this laptop."
exec .venv/bin/streamlit run server.py --server.address 0.0.0.0 --server.port "$port"
