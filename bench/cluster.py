"""Several servers on one PostgreSQL database and one Redis: two app servers (gunicorn with the
production settings of deploy/gunicorn.conf.py, each on its own port) and two schedulers
(`flask --app sentrack scheduler`), each a process of its own that can be stopped or killed.

By hand:

    python bench/cluster.py --database-url postgresql://postgres@127.0.0.1:5432/sentrack_bench

migrates the database, starts them, prints each one's port and PID, and stops them all on Ctrl+C
(kill one with `kill -9 PID` meanwhile to watch the other take over). tests/test_cluster.py drives
the same class. Every process runs with SENTRACK_CONFIG=production and one SECRET_KEY, and
writes its output to a log file of its own (--logs).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
REDIS_URL = "redis://127.0.0.1:6379/0"
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"

# What a scheduler prints once it holds the lock and has run its jobs at start, and what one
# prints when another holds it (sentrack/scheduler.py).
LEADING = "Scheduler running"
WAITING = "Another scheduler is running"


class ClusterError(RuntimeError):
    pass


def free_port() -> int:
    """A loopback port nothing listens on (at the moment of asking)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(port: int, path: str = "/sign-in") -> bool:
    """Whether the server on loopback `port` answers `path` with 200."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def wait_until(check: Callable[[], bool], *, timeout: float, what: str, every: float = 0.2) -> None:
    """Poll `check` until it holds; ClusterError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise ClusterError(f"{what}: not within {timeout:g} s")
        time.sleep(every)


@dataclass
class Process:
    """One server or scheduler: its command, its log file and, once started, its process (the
    leader of a process group of its own, so that gunicorn's workers stop and die with it)."""

    name: str
    command: list[str]
    log_path: Path
    env: dict[str, str]
    port: int | None = None
    popen: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None

    def start(self) -> Process:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM, as a service manager stops it; SIGKILL after `timeout` seconds."""
        if not self.running():
            return
        self._signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL to the whole process group: the machine's power cut, for this process."""
        if self.running():
            self._signal(signal.SIGKILL)
            self.popen.wait(timeout=30)

    def _signal(self, number: int) -> None:
        with contextlib.suppress(ProcessLookupError):  # it ended by itself meanwhile
            os.killpg(self.popen.pid, number)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def said(self, text: str) -> bool:
        return text in self.log()

    def describe(self) -> str:
        where = f" on 127.0.0.1:{self.port}" if self.port else ""
        state = "running" if self.running() else f"stopped ({self.popen.returncode if self.popen else 'not started'})"
        return f"{self.name}{where}, pid {self.pid}, {state}, log {self.log_path}"


@dataclass
class Cluster:
    """App servers and schedulers on `database_url` and `redis_url`, sharing one SECRET_KEY.
    `settings` adds to (or overrides) the environment every process gets, such as MAIL_SERVER."""

    database_url: str
    logs: Path
    redis_url: str = REDIS_URL
    workers: int = 2
    settings: dict[str, str] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for name in ("SENTRACK_TODAY", "SENTRACK_TEST_DATABASE_URL", "FLASK_APP"):
            env.pop(name, None)  # production refuses a clock of its own
        env.update(
            SENTRACK_CONFIG="production",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            SECRET_KEY=self.settings.get("SECRET_KEY") or os.environ.get("SECRET_KEY") or self._secret,
            PYTHONUNBUFFERED="1",
        )
        env.update(self.settings)
        return env

    def __post_init__(self) -> None:
        self._secret = secrets.token_urlsafe(48)

    def flask(self, *args: str) -> None:
        """`flask --app sentrack ARGS` on the cluster's database, as a process waited for."""
        subprocess.run([str(BIN / "flask"), "--app", "sentrack", *args], cwd=ROOT, env=self.env(), check=True)

    def start_server(self, name: str, port: int | None = None, *, timeout: float = 60) -> Process:
        port = port or free_port()
        command = [
            str(BIN / "gunicorn"),
            "--config",
            str(GUNICORN_CONFIG),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(self.workers),
            "sentrack:create_app()",
        ]
        server = self._add(Process(name, command, self.logs / f"{name}.log", self.env(), port=port))

        def ready() -> bool:
            if not server.running():
                raise ClusterError(f"{name} stopped while starting:\n{server.log()[-3000:]}")
            return answers(port)

        wait_until(ready, timeout=timeout, what=f"{name} answering on port {port}")
        return server

    def start_scheduler(self, name: str) -> Process:
        command = [str(BIN / "flask"), "--app", "sentrack", "scheduler"]
        return self._add(Process(name, command, self.logs / f"{name}.log", self.env()))

    def _add(self, process: Process) -> Process:
        if process.name in self.processes and self.processes[process.name].running():
            raise ClusterError(f"{process.name} is already running")
        self.processes[process.name] = process
        return process.start()

    def start(self, *, servers: int = 2, schedulers: int = 2, ports: list[int] | None = None) -> None:
        """`servers` app servers (on `ports`, or free ones) and `schedulers` schedulers, started one
        after the other: the first scheduler is running (it holds the lock) before the next starts."""
        ports = list(ports or [])
        for number in range(servers):
            self.start_server(f"server-{chr(ord('a') + number)}", ports[number] if number < len(ports) else None)
        for number in range(schedulers):
            scheduler = self.start_scheduler(f"scheduler-{chr(ord('a') + number)}")
            said = LEADING if number == 0 else WAITING
            wait_until(lambda s=scheduler, t=said: s.said(t) or not s.running(), timeout=120, what=f"{scheduler.name}")
            if not scheduler.running():
                raise ClusterError(f"{scheduler.name} stopped:\n{scheduler.log()[-3000:]}")

    def servers(self) -> list[Process]:
        return [p for p in self.processes.values() if p.port is not None]

    def schedulers(self) -> list[Process]:
        return [p for p in self.processes.values() if p.port is None]

    def stop(self) -> None:
        for process in reversed(self.processes.values()):
            process.stop()

    def report(self) -> str:
        """Each process's state and the end of its log: what a failed test prints."""
        parts = []
        for process in self.processes.values():
            parts.append(f"=== {process.describe()}\n{process.log()[-4000:]}")
        return "\n".join(parts)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="the PostgreSQL database every process uses")
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--schedulers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--ports", default="", help="the servers' ports, comma-separated (free ones otherwise)")
    parser.add_argument("--logs", type=Path, default=HERE / "data" / "cluster-logs")
    parser.add_argument("--no-migrate", action="store_true", help="do not run flask db upgrade first")
    options = parser.parse_args(argv)
    cluster = Cluster(options.database_url, logs=options.logs, redis_url=options.redis_url, workers=options.workers)
    ports = [int(port) for port in options.ports.split(",") if port.strip()]
    try:
        if not options.no_migrate:
            cluster.flask("db", "upgrade")
        cluster.start(servers=options.servers, schedulers=options.schedulers, ports=ports)
        for process in cluster.processes.values():
            print(process.describe(), flush=True)
        print("Ctrl+C stops them all.", flush=True)
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    except ClusterError as error:
        print(f"{error}\n{cluster.report()}", file=sys.stderr)
        return 1
    finally:
        cluster.stop()
        print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
