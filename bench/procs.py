"""The processes and databases a benchmark run starts, and how they are stopped again.

Every helper here is a context manager: whatever happens (an error, Ctrl-C), the process is
stopped and the database dropped when the ``with`` block ends.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# The settings a bot process must not take from the machine running the bench.
_SCRUBBED = ("MicrosoftAppId", "MicrosoftAppPassword", "MicrosoftAppType", "MicrosoftAppTenantId",
             "DATABASE_URL", "PORT", "HOST", "ALLOWED_TENANT_IDS", "COMMITTEES_FILE", "LOAD_DEMO_DATA",
             "REQUIRE_REPORTERS", "SCHEDULER")


class ServiceError(RuntimeError):
    pass


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def peak_rss_mb(self) -> float | None:
        """VmHWM (the peak resident set) of the process, from /proc."""
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bot_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of an ``uppdragsbot`` process: local mode, the given database."""
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update(DATABASE_URL=database_url, SCHEDULER="false", **extra)
    return env


def _stop(process: subprocess.Popen, timeout: float = 15) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # SIGTERM: aiohttp's run_app shuts down cleanly on it, the bench servers just end
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@contextlib.contextmanager
def service(name: str, argv: list[str], *, workdir: Path, env: dict | None = None,
            health: str | None = None, timeout: float = 120) -> Iterator[Service]:
    """Start ``argv`` and wait until it is ready: ``health`` (a URL) answers 200, or, without
    one, the process prints "listening on URL" as its first line."""
    log = workdir / f"{name}.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            argv, cwd=workdir, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if health is None else log_file, stderr=log_file,
            start_new_session=True,  # Ctrl-C reaches the bench, which stops its children itself
        )
    try:
        if health is None:
            line = process.stdout.readline().decode().strip()
            if not line.startswith("listening on "):
                raise ServiceError(f"{name} did not start: {line!r}")
            url = line.removeprefix("listening on ")
        else:
            url = health.rsplit("/", 1)[0]
            _wait_healthy(name, process, health, timeout)
        yield Service(name, process, url, log)
    except Exception:
        tail = Service(name, process, "", log).log_tail()
        if tail:
            print(f"--- last lines of {name}'s log:\n{tail}", file=sys.stderr)
        raise
    finally:
        _stop(process)
        if process.stdout:
            process.stdout.close()


def _wait_healthy(name: str, process: subprocess.Popen, url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceError(f"{name} exited with {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise ServiceError(f"{name} was not ready within {timeout:.0f} s")


def python(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def uppdragsbot(*args: str) -> list[str]:
    return [str(BIN / "uppdragsbot"), "--env-file", "", *args]


def run(argv: list[str], *, workdir: Path, env: dict, what: str) -> str:
    """Run a command to the end; its output, or ServiceError with the end of it."""
    done = subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
        raise ServiceError(f"{what} failed with exit code {done.returncode}:\n{tail}")
    return done.stdout


# --- databases ------------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_database(workdir: Path, name: str) -> Iterator[str]:
    path = workdir / f"{name}.db"
    try:
        yield f"sqlite:///{path}"
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextlib.contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A fresh database ``bench_<pid>`` on the server of ``server_url``, dropped at the end."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    name = f"bench_{os.getpid()}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_problem(server_url: str) -> str | None:
    """Why the PostgreSQL server cannot be used, or None."""
    try:
        import psycopg
        from sqlalchemy.engine import make_url

        admin = make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, connect_timeout=5):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not usable"
        return f"{type(exc).__name__}: {exc}".strip()
