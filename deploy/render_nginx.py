"""Render nginx.conf for N local workshop processes.

Usage: python deploy/render_nginx.py PREFIX LISTEN_PORT PORT [PORT ...]
Writes PREFIX/nginx.conf; then run ``nginx -p PREFIX -c PREFIX/nginx.conf``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from string import Template

HERE = Path(__file__).resolve().parent


def render(prefix: Path, listen: str, ports: list[int]) -> Path:
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "tmp").mkdir(exist_ok=True)
    upstreams = "\n".join(f"        server 127.0.0.1:{port};" for port in ports)
    text = Template((HERE / "nginx.conf.template").read_text()).safe_substitute(
        PREFIX=str(prefix), LISTEN=listen, UPSTREAMS=upstreams
    )
    target = prefix / "nginx.conf"
    target.write_text(text)
    return target


if __name__ == "__main__":
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    path = render(Path(sys.argv[1]).resolve(), sys.argv[2], [int(p) for p in sys.argv[3:]])
    print(path)
