"""Throwaway PostgreSQL and Redis servers for tests, on free loopback ports.

Each runs from a fresh temporary directory and is stopped (and the directory
removed) by `.stop()`. Nothing is shared with a system-wide instance. If the
server binaries are missing, `start_postgres` / `start_redis` try to install
them (root + apt-get, as scripts/system_deps.sh does) and otherwise skip the
test with the reason.

    pg = start_postgres()            # superuser `harbor` with a password
    url = pg.create_database("rasa") # postgresql://harbor:…@127.0.0.1:port/rasa
    redis = start_redis()            # redis.host, redis.port, redis.password
    pg.stop(); redis.stop()
"""
from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

from tests.support.procs import ROOT, free_port

_install_tried = set()


# --- finding (or installing) the binaries ------------------------------------

def _postgres_bin_dir() -> Optional[Path]:
    """The newest /usr/lib/postgresql/N/bin with a `postgres`, else PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("postgres")
    if on_path and shutil.which("initdb", path=str(Path(on_path).parent)):
        return Path(on_path).parent
    return None


def _try_install(package: str) -> None:
    """Best effort, once per package: apt-get install when root (what make test does)."""
    if package in _install_tried:
        return
    _install_tried.add(package)
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    log = ROOT / "var" / "apt.log"
    log.parent.mkdir(exist_ok=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    with open(log, "ab") as out:
        for cmd in (["apt-get", "install", "-y", "-qq", package],
                    ["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", package]):
            try:
                done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                                      timeout=600)
            except (OSError, subprocess.TimeoutExpired):
                return
            if cmd[1] == "install" and done.returncode == 0:
                return


def require_postgres() -> Path:
    bin_dir = _postgres_bin_dir()
    if bin_dir is None:
        _try_install("postgresql")
        bin_dir = _postgres_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (postgres, initdb) are not installed and could "
                    "not be installed (needs root and apt-get: scripts/system_deps.sh)")
    return bin_dir


def require_redis() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        _try_install("redis-server")
        binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed and could not be installed "
                    "(needs root and apt-get: scripts/system_deps.sh)")
    return binary


# --- processes ----------------------------------------------------------------

def _stop_group(proc: Optional[subprocess.Popen], sig: int) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)
    except ProcessLookupError:
        pass


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _wait_until(check, proc: subprocess.Popen, what: str, log: Path, timeout: float) -> None:
    deadline = time.time() + timeout
    last: Exception = RuntimeError("never tried")
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{_tail(log)}")
        try:
            check()
            return
        except Exception as exc:  # not up yet
            last = exc
            time.sleep(0.1)
    raise RuntimeError(f"{what} not ready within {timeout}s ({last}):\n{_tail(log)}")


# --- PostgreSQL ---------------------------------------------------------------

@dataclass
class Postgres:
    """A running throwaway PostgreSQL; superuser `user` / `password` over TCP."""

    host: str
    port: int
    user: str
    password: str
    dbname: str
    workdir: Path
    proc: Optional[subprocess.Popen] = field(default=None, repr=False)

    def url(self, dbname: Optional[str] = None) -> str:
        """SQLAlchemy URL (psycopg2) of `dbname` (default: the initial database)."""
        return (f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/"
                f"{dbname or self.dbname}")

    def create_database(self, name: str) -> str:
        """Creates database `name` (if missing) and returns its URL."""
        import psycopg2

        conn = psycopg2.connect(host=self.host, port=self.port, user=self.user,
                                password=self.password, dbname=self.dbname)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cur.fetchone() is None:
                    cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            conn.close()
        return self.url(name)

    def stop(self) -> None:
        _stop_group(self.proc, signal.SIGINT)  # SIGINT: PostgreSQL's "fast" shutdown
        shutil.rmtree(self.workdir, ignore_errors=True)


def _server_account() -> Optional[pwd.struct_passwd]:
    """The account PostgreSQL runs as (make run-scaled's rule); skip when there is none."""
    from scripts.run_scaled import server_account

    try:
        return server_account()
    except SystemExit as e:
        pytest.skip(str(e))


def start_postgres(timeout: float = 60.0) -> Postgres:
    """initdb + postgres in a fresh temp dir on a free loopback port."""
    bin_dir = require_postgres()
    account = _server_account()
    # As root, the server account must reach the directory: /tmp, not a private TMPDIR.
    base = "/tmp" if account is not None and os.path.isdir("/tmp") else None
    workdir = Path(tempfile.mkdtemp(prefix="harbor-pg-", dir=base))
    data, sockets, log = workdir / "data", workdir / "sock", workdir / "postgres.log"
    sockets.mkdir()
    password = secrets.token_hex(12)
    (workdir / "pwfile").write_text(password + "\n")
    as_user = {}
    if account is not None:
        for path in (workdir, sockets, workdir / "pwfile"):
            os.chown(path, account.pw_uid, account.pw_gid)
        as_user = dict(user=account.pw_uid, group=account.pw_gid, extra_groups=[])
    env = dict(os.environ, LC_ALL="C", LANG="C")
    pg = Postgres(host="127.0.0.1", port=free_port(), user="harbor", password=password,
                  dbname="postgres", workdir=workdir)
    try:
        with open(log, "wb") as out:
            if account is not None:
                os.chown(log, account.pw_uid, account.pw_gid)
            done = subprocess.run(
                [str(bin_dir / "initdb"), "-D", str(data), "-U", pg.user,
                 "--pwfile", str(workdir / "pwfile"), "--auth", "scram-sha-256",
                 "-E", "UTF8", "--locale", "C", "--no-sync"],
                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=workdir, timeout=120,
                **as_user)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed ({done.returncode}):\n{_tail(log)}")
        out = open(log, "ab")
        pg.proc = subprocess.Popen(
            [str(bin_dir / "postgres"), "-D", str(data), "-p", str(pg.port),
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={sockets}",
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
             "-c", "shared_buffers=16MB", "-c", "max_connections=60"],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=workdir,
            start_new_session=True, **as_user)
        out.close()

        def connects() -> None:
            import psycopg2

            psycopg2.connect(host=pg.host, port=pg.port, user=pg.user, password=pg.password,
                             dbname=pg.dbname, connect_timeout=2).close()

        _wait_until(connects, pg.proc, "postgres", log, timeout)
        return pg
    except BaseException:
        pg.stop()
        raise


# --- Redis --------------------------------------------------------------------

@dataclass
class Redis:
    """A running throwaway redis-server with a password (`requirepass`)."""

    host: str
    port: int
    password: str
    workdir: Path
    proc: Optional[subprocess.Popen] = field(default=None, repr=False)

    def client(self, db: int = 0):
        import redis

        return redis.Redis(host=self.host, port=self.port, password=self.password, db=db,
                           socket_timeout=5)

    def stop(self) -> None:
        _stop_group(self.proc, signal.SIGTERM)
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_redis(timeout: float = 30.0) -> Redis:
    """redis-server on a free loopback port, no persistence, in a fresh temp dir."""
    binary = require_redis()
    workdir = Path(tempfile.mkdtemp(prefix="harbor-redis-"))
    log = workdir / "redis.log"
    srv = Redis(host="127.0.0.1", port=free_port(), password=secrets.token_hex(12),
                workdir=workdir)
    cmd: List[str] = [binary, "--port", str(srv.port), "--bind", "127.0.0.1",
                      "--save", "", "--appendonly", "no", "--dir", str(workdir),
                      "--requirepass", srv.password, "--daemonize", "no"]
    with open(log, "wb") as out:
        srv.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=workdir,
                                    start_new_session=True)
    try:
        _wait_until(lambda: srv.client().ping(), srv.proc, "redis-server", log, timeout)
        return srv
    except BaseException:
        srv.stop()
        raise


# --- for fixtures: `yield from running_postgres()` (see tests/deploy/conftest.py) --

def running_postgres() -> Iterator[Postgres]:
    pg = start_postgres()
    try:
        yield pg
    finally:
        pg.stop()


def running_redis() -> Iterator[Redis]:
    srv = start_redis()
    try:
        yield srv
    finally:
        srv.stop()
