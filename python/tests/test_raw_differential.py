"""The raw-request differential (tests/raw/differential.py) for the Python helpers: a real
nginx `secure_link` edge records its answers to thousands of adversarial raw request lines;
then a real Django site (SecureTokenMiddleware) and a real Flask app (SecureToken with
PROTECT), guarding the same tree at "/" with file tokens, get the same raw bytes over a socket
and must answer what nginx answered (200 with the same body, 400/403/410/414).

The server: uWSGI, because it hands the application the request target exactly as received
(REQUEST_URI) and passes raw non-ASCII bytes through, as nginx does. gunicorn 23+, waitress,
uvicorn and hypercorn all answer 400 themselves to a target with a byte >= 0x80 before any
application code runs (nginx serves those: 200/403/404/410), and Werkzeug's server re-encodes
such bytes, so a helper behind them cannot agree with the edge on those requests.

Two deployments are run (results, "N agree", printed for the log):
- "uwsgi": uWSGI's own HTTP socket faces the client. Every request is judged by the helper,
  including the 400s and 414s. uWSGI itself differs from nginx in three ways the application
  cannot change, and the test checks that every disagreement is one of them: a raw space in
  the target (nginx: 400) is read by uWSGI as the end of the target, the rest becoming the
  protocol, which uWSGI then echoes at the start of its status line (so the client gets no
  valid HTTP status, whatever the helper answers: it answers 400); a target of more than
  ~32 KiB (nginx: 414) does not fit uWSGI's largest buffer and the connection is closed
  unanswered; and for an absolute-form target uWSGI sets PATH_INFO to the whole URL, which
  Django's URL resolver does not route (404; the helper's verdict, taken from REQUEST_URI, is
  the edge's).
- "nginx+uwsgi": what is usually deployed, nginx (a plain proxy, no secure_link) in front of
  uWSGI over the uwsgi protocol with the stock uwsgi_params (REQUEST_URI = $request_uri): 0
  disagreements."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
HARNESS = ROOT / "tests" / "raw" / "differential.py"
UWSGI = Path(sys.executable).with_name("uwsgi")
APPS = {"django": "django_site:application", "flask": "flask_site:app"}


def _harness() -> Any:
    spec = importlib.util.spec_from_file_location("differential", HARNESS)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("rawdiff")
    tree = work / "tree"
    subprocess.run([sys.executable, str(HARNESS), "fixture", str(tree)], check=True, capture_output=True)
    rec = work / "recorded.jsonl"
    subprocess.run([sys.executable, str(HARNESS), "record", "--out", str(rec)], check=True)
    assert sum(1 for line in rec.open() if '"kind": "file"' in line) >= 5000
    return tree, rec


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{proc.args!r} did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _nginx_front(work: Path, port: int, upstream: int) -> list[str]:
    (work / "tmp").mkdir(exist_ok=True)
    conf = work / "front.conf"
    user = "user root;" if os.geteuid() == 0 else ""
    temps = "".join(f"{t}_temp_path {work}/tmp/{t};\n" for t in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf.write_text(
        f"""{user}
daemon off;
master_process off;
worker_processes 1;
pid {work}/front.pid;
error_log {work}/front-error.log warn;
events {{ worker_connections 256; }}
http {{
    {temps}
    access_log off;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            include /etc/nginx/uwsgi_params;
            uwsgi_pass 127.0.0.1:{upstream};
        }}
    }}
}}
"""
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    return [nginx, "-c", str(conf), "-p", str(work)]


def _serve(deployment: str, module: str, tree: Path, work: Path) -> Iterator[int]:
    env = dict(os.environ, RAWDIFF_ROOT=str(tree), PYTHONPATH=str(HERE / "raw_apps"))
    port = _free_port()
    app_port = port if deployment == "uwsgi" else _free_port()
    socket_opt = "--http-socket" if deployment == "uwsgi" else "--socket"
    uwsgi = [
        str(UWSGI), socket_opt, f"127.0.0.1:{app_port}", "--module", module,
        "--master", "--processes", "1", "--threads", "4", "--need-app",
        # Longer than any recorded target: the 414s must come from the helper.
        "--buffer-size", "65535", "--disable-logging", "--die-on-term",
    ]
    log = work / "uwsgi.log"
    procs = [subprocess.Popen(uwsgi, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)]
    try:
        _wait(app_port, procs[0], log)
        if deployment == "nginx+uwsgi":
            front_log = work / "front.log"
            procs.append(
                subprocess.Popen(_nginx_front(work, port, app_port), stdout=front_log.open("wb"), stderr=subprocess.STDOUT)
            )
            _wait(port, procs[1], front_log)
        yield port
    finally:
        for p in reversed(procs):
            _stop(p)


def _uwsgi_own_difference(name: str, nginx: int, target: bytes, status: int) -> bool:
    """The ways uWSGI itself answers differently from nginx, whatever the app does."""
    if b" " in target.strip(b" ") and status != 200:
        # A raw space (nginx: 400): uWSGI starts its status line with the rest of the target,
        # so the client gets no valid status (the harness reads 0 or a number from the URL).
        return True
    if nginx == 414 and status == 0 and len(target) > 65535 // 2:
        # Its variables (REQUEST_URI, PATH_INFO, QUERY_STRING) do not fit uWSGI's largest
        # buffer (64 KiB): it closes the connection without an answer.
        return True
    absolute = re.match(rb"^[A-Za-z][A-Za-z0-9+.-]*://", target) is not None
    return name == "django" and absolute and status == 404


@pytest.mark.parametrize("deployment", ["nginx+uwsgi", "uwsgi"])
@pytest.mark.parametrize("name", sorted(APPS))
def test_helper_answers_what_nginx_answers(
    recording: tuple[Path, Path], deployment: str, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert UWSGI.exists(), "uwsgi is installed by python/test.sh (requirements-test.txt)"
    tree, rec = recording
    h = _harness()
    label = f"{name} ({deployment})"
    for port in _serve(deployment, APPS[name], tree, tmp_path):
        if deployment == "nginx+uwsgi":
            out = subprocess.run(
                [sys.executable, str(HARNESS), "compare", "--recorded", str(rec), "--server", f"{name}=127.0.0.1:{port}"],
                capture_output=True, text=True,
            )
            with capsys.disabled():
                print(f"\n{label}: " + "\n".join(line for line in out.stdout.splitlines() if line.startswith(name)))
            m = re.search(rf"^{name}: (\d+) passed, (\d+) failed$", out.stdout, re.M)
            assert m, out.stdout + out.stderr
            passed, failed = int(m.group(1)), int(m.group(2))
            assert passed >= 5000 and failed == 0, out.stdout[-5000:]
            continue
        # Facing clients directly: every disagreement must be one of uWSGI's own.
        recs = [r for r in map(json.loads, rec.open()) if r["kind"] == "file"]
        helper_wrong, server_own = [], 0
        for r in recs:
            target = bytes.fromhex(r["target"])
            try:
                status, body = h.send_raw("127.0.0.1", port, target)
            except OSError:
                status, body = 0, b""
            if h.agrees(r, status, body):
                continue
            if _uwsgi_own_difference(name, r["status"], target, status):
                server_own += 1
            else:
                helper_wrong.append((r["status"], status, len(target), h.show(target)[:100]))
        with capsys.disabled():
            print(
                f"\n{label}: {len(recs)} file requests: {len(recs) - server_own - len(helper_wrong)} agree, "
                f"{server_own} differ by uWSGI's own answer, {len(helper_wrong)} by the helper"
            )
        assert len(recs) >= 5000
        assert not helper_wrong, helper_wrong[:30]
