"""``make playground``: the bot in local mode with Microsoft 365 Agents Playground beside it.

The Playground (npm ``@microsoft/m365agentsplayground``, version pinned in
``playground/package.json``) emulates the Teams client and the Bot Connector in the browser. It
is under a Microsoft pre-release licence, so it is not shipped here: ``make playground-install``
installs it into ``.playground/`` (git-ignored). Both the bot and the Playground listen on
loopback only; the Playground runs without telemetry and never opens a browser itself.
Ctrl-C stops both.

The browser test (``tests/browser``) starts the Playground through :class:`Playground` too.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Self

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
INSTALL_DIR = ROOT / ".playground"
PACKAGE = "@microsoft/m365agentsplayground"
PACKAGE_DIR = INSTALL_DIR / "node_modules" / PACKAGE
GUARD = HERE / "guard.cjs"
DEFAULT_PORT = 56150
_LISTENING = re.compile(rb"Listening on (\d+)")


def pinned_version() -> str:
    return json.loads((HERE / "package.json").read_text("utf-8"))["dependencies"][PACKAGE]


def installed_version() -> str | None:
    try:
        return json.loads((PACKAGE_DIR / "package.json").read_text("utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


def missing() -> str | None:
    """Why the Playground cannot be started here, or None."""
    if shutil.which("node") is None:
        return "Node.js (node) is not installed; the Playground needs Node.js 18 or newer"
    if installed_version() != pinned_version():
        return (f"{PACKAGE}@{pinned_version()} is not installed in .playground/ "
                f"(found: {installed_version() or 'nothing'}); run `make playground-install`")
    return None


def playground_command(endpoint: str, *, port: int, log_file: Path) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that start the Playground talking to ``endpoint``.

    ``port`` 0 lets it choose a free port; with a busy port it chooses one too.
    """
    argv = [
        "node", "--require", str(GUARD), str(PACKAGE_DIR / "cli.js"),
        "--app-endpoint", endpoint,
        "--channel-id", "msteams",
        "--port", str(port),
        "--disable-telemetry",
    ]
    env = dict(os.environ)
    env.update({
        "APPLICATION_INSIGHTS_NO_STATSBEAT": "true",
        "BROWSER": "true",  # a browser opener would run `true`
        "TEAMSAPPTESTER_BROWSER": "none",  # the Playground's own switch: don't open a browser
        "M365_AGENTS_PLAYGROUND_LOGFILE": str(log_file),  # not ./devTools/ in the working directory
        "PLAYGROUND_HOST": "127.0.0.1",  # guard.cjs: listen on loopback only
        "PLAYGROUND_EXIT_WITH_PARENT": "1",  # guard.cjs: exit when our end of stdin closes
    })
    return argv, env


class Playground:
    """One running Playground process, in its own process group; stop() ends it and its children."""

    def __init__(self, endpoint: str, *, port: int = DEFAULT_PORT, workdir: Path = INSTALL_DIR):
        self.endpoint = endpoint
        self.requested_port = port
        self.workdir = Path(workdir)
        self.log_file = self.workdir / "playground.log"
        self.output_file = self.workdir / "playground.out"
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def start(self, timeout: float = 60) -> Self:
        self.workdir.mkdir(parents=True, exist_ok=True)
        argv, env = playground_command(self.endpoint, port=self.requested_port, log_file=self.log_file)
        with open(self.output_file, "wb") as out:
            # stdin stays an open pipe that nobody writes: it closes when this process ends,
            # however it ends, and guard.cjs then ends the Playground (no orphans).
            self.proc = subprocess.Popen(argv, env=env, cwd=self.workdir, stdin=subprocess.PIPE,
                                         stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = _LISTENING.search(self.output_file.read_bytes())
            if found:
                self.port = int(found.group(1))
                return self
            if self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"the Playground exited with {self.proc.returncode}:\n{self.output()}")
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the Playground did not start listening within {timeout:.0f} s:\n{self.output()}")

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def output(self, limit: int = 4_000) -> str:
        try:
            return self.output_file.read_bytes()[-limit:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 10) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait(timeout)
        _signal_group(proc.pid, signal.SIGKILL)  # anything it left behind in its group
        if proc.stdin:
            proc.stdin.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PLAYGROUND_PORT") or DEFAULT_PORT),
                        help=f"the Playground's port (default: PLAYGROUND_PORT or {DEFAULT_PORT})")
    parser.add_argument("--env-file", default=".env", help="dotenv file for the bot (default: .env)")
    args = parser.parse_args(argv)
    problem = missing()
    if problem:
        print(f"make playground: {problem}", file=sys.stderr)
        return 2

    import asyncio
    import logging
    from dataclasses import replace

    from bot.cli import load_settings

    settings = load_settings(args.env_file)
    if settings is None:
        return 2
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    if settings.app_id:
        print("make playground: ignoring MicrosoftAppId; the Playground talks to the bot in local mode",
              file=sys.stderr)
        settings = replace(settings, app_id="", app_password="", app_tenant_id="")
    try:
        return asyncio.run(_run(settings, args.port))
    except OSError as exc:
        print(f"make playground: {exc}", file=sys.stderr)
        return 1


async def _run(settings, port: int) -> int:
    import asyncio

    from aiohttp import web

    from bot.app import create_app

    runner = web.AppRunner(create_app(settings))
    await runner.setup()  # migrates the database, loads the demo data into an empty one
    try:
        await web.TCPSite(runner, settings.bind_host, settings.port).start()
        endpoint = f"http://127.0.0.1:{settings.port}/api/messages"
        playground = Playground(endpoint, port=port)
        await asyncio.to_thread(playground.start)
        try:
            print(
                f"\n  Uppdragsboten ({endpoint}) is talking to Microsoft 365 Agents Playground.\n"
                f"  Open {playground.url} in your browser and write, for example, \"status för TN-uppdrag\".\n"
                f"  Playground log: {playground.log_file.relative_to(ROOT)}. Ctrl-C stops both.\n",
                flush=True,
            )
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            while not stop.is_set() and playground.running():
                try:
                    await asyncio.wait_for(stop.wait(), 1)
                except TimeoutError:
                    pass
            if not stop.is_set():
                print(f"the Playground stopped:\n{playground.output()}", file=sys.stderr)
                return 1
            return 0
        finally:
            playground.stop()
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    sys.exit(main())
