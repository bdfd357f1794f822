"""`karabakh-timeline serve`: Datasette on the SQLite export, on the loopback interface, with JSON and full-text search.

The server runs as a child process on a free port of 127.0.0.1 and is stopped by its process ID;
every wait is bounded.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from conftest import make_synthetic, records, set_cells

pytest.importorskip("datasette")
STARTUP = 60  # seconds: building the export and starting Datasette, on a busy CI machine


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


def test_serve_answers_json_and_full_text_search_on_loopback(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    make_synthetic.make(8, pkg)
    set_cells(pkg, "events", 3, title="Unique zebra crossing talks")
    port = _free_port()
    command = shutil.which("karabakh-timeline", path=str(Path(sys.executable).parent)) or "karabakh-timeline"
    server = subprocess.Popen([command, "serve", str(pkg), "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              start_new_session=True, env={**os.environ, "NO_COLOR": "1"})
    base = f"http://127.0.0.1:{port}/karabakh-timeline"
    try:
        deadline = time.monotonic() + STARTUP
        rows = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                rows = _get(f"{base}/events.json?_shape=array&_size=max")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        assert rows is not None, f"serve did not answer within {STARTUP} s: exit {server.poll()}"
        assert [r["event_id"] for r in rows] == [r["event_id"] for r in records(pkg, "events")]
        found = _get(f"{base}/events.json?_search=zebra&_shape=array")
        assert [r["title"] for r in found] == ["Unique zebra crossing talks"]
        metadata = _get(f"http://127.0.0.1:{port}/-/metadata.json")
        assert metadata["license"] == "CC-BY-4.0" and "event_type" in metadata["databases"]["karabakh-timeline"]["tables"]["events"]["facets"]
        others = {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {"127.0.0.1", "127.0.1.1"}
        for address in others:  # bound to loopback only: the machine's other addresses refuse the port
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                probe.settimeout(2)
                assert probe.connect_ex((address, port)) != 0, address
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(5)
    assert server.returncode is not None
    err = server.stderr.read().decode() if server.stderr else ""
    assert f"at http://127.0.0.1:{port}/karabakh-timeline" in err


def test_serve_refuses_invalid_data_without_starting(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    make_synthetic.make(4, pkg)
    set_cells(pkg, "places", 2, latitude="95")
    from conftest import run

    result = run("serve", str(pkg), "--port", str(_free_port()))
    assert result.exit_code == 1 and "out-of-range" in result.stderr and "Error: the data does not validate (1 error)" in result.stderr
