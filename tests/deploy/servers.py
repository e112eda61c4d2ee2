"""The service as deployed, in subprocesses: gunicorn with deploy/gunicorn.conf.py and
`flask worker` loops, pointed at the test database."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scheduler.crypto import TEST_KEY
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET_KEY = "test-secret-key-not-for-production"


def environment(database_url: str, **settings: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    env.update(
        {
            "SCHEDULER_SQLALCHEMY_DATABASE_URI": database_url,
            "SCHEDULER_SECRET_KEY": SECRET_KEY,
            "SCHEDULER_DATA_ENCRYPTION_KEYS": TEST_KEY,  # the same key as the test app
            "SCHEDULER_PUBLIC_BASE_URL": "http://localhost",
            "SCHEDULER_OUTBOX_SEND_ON_COMMIT": "false",
        }
    )
    env.update({f"SCHEDULER_{key}": str(value) for key, value in settings.items()})
    return env


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", int(self.base.rsplit(":", 1)[1]))
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def logs(self) -> str:
        return self.stdout.read_text(encoding="utf-8") + self.stderr.read_text(encoding="utf-8")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def gunicorn(
    database_url: str, folder: Path, *, workers: int = 2, **settings: Any
) -> Iterator[Server]:
    """gunicorn exactly as deploy/gunicorn.conf.py configures it, on a free port."""
    port = free_port()
    env = environment(database_url, **settings)
    env.update({"GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers)})
    stdout, stderr = folder / f"gunicorn-{port}.out", folder / f"gunicorn-{port}.err"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", process, stdout, stderr)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, server.logs()
            try:
                if server.get("/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield server
    finally:
        _stop(process)


@contextmanager
def worker_loop(database_url: str, folder: Path, name: str, **settings: Any) -> Iterator[Any]:
    """`flask worker --interval 0.5` in a subprocess; stopped with SIGTERM after a round."""
    log = folder / f"worker-{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "flask"), "--app", "scheduler", "worker", "--interval", "0.5"],
            cwd=ROOT,
            env=environment(database_url, **settings),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        _stop(process)
        assert process.returncode == 0, log.read_text(encoding="utf-8")
