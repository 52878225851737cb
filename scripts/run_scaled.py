"""`make run-scaled REPLICAS=2`: the scaled-out setup on one machine.

What `make run` starts, plus what several Rasa processes need to share one
conversation store, all on loopback:

  PostgreSQL  (own cluster in var/scaled/postgres)  tracker store, SQL event
              broker, channel state (webhook dedupe, 24-hour windows, choices)
  Redis       (var/scaled/redis)                    Rasa's ticket lock store
  HAProxy     RASA_PORT (5005)   -> Rasa replicas RASA_PORT+1.. (5006, 5007, ...)
              ACTION_PORT (5055) -> two action servers ACTION_PORT+1.. (5056, 5057)
  CRM, inbox  as in `make run` (the inbox reads the broker in PostgreSQL)

Every Rasa replica runs with deploy/endpoints.production.yml, so the same
URLs and channel webhooks work as with `make run`. Ports of the replicas can
be set with RASA_REPLICA_PORTS / ACTION_REPLICA_PORTS (comma-separated).
Ctrl-C stops everything (scripts/run.py's supervisor).

The balancer retries a request on another replica only when it could not
connect (the replica never saw it): re-sending a request a replica may have
processed could run the customer's turn twice (see docs/deploy.md).
"""
from __future__ import annotations

import argparse
import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.harbor_env import WARNED, check, harbor_env  # noqa: E402
from scripts.model import ensure_model  # noqa: E402
from scripts.run import Service, services, supervise  # noqa: E402

ENDPOINTS = "deploy/endpoints.production.yml"
# The cluster, Redis's folder, generated passwords and haproxy.cfg (HARBOR_SCALED_DIR).
STATE = ROOT / "var" / "scaled"
# Databases of the cluster: the tracker store's and the broker's tables are both
# called `events`, so they need one database each (deploy/endpoints.production.yml).
DATABASES = {"TRACKER_DB_NAME": "harbor_tracker", "EVENT_BROKER_DB_NAME": "harbor_events",
             "CHANNEL_STATE": "harbor_channels"}
DB_USER = "harbor"
# As many action servers as deploy/helm/action-server-values.yaml's replicaCount.
ACTION_SERVERS = 2
DEFAULT_REPLICAS = 2  # deploy/helm/rasa-values.yaml's replicaCount
APT_PACKAGES = {"postgres": "postgresql", "redis-server": "redis-server", "haproxy": "haproxy"}


# --- system packages -------------------------------------------------------------

def postgres_bin() -> Optional[Path]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(found[-1]).parent if found else None


def missing_packages() -> List[str]:
    missing = [] if postgres_bin() else [APT_PACKAGES["postgres"]]
    return missing + [APT_PACKAGES[b] for b in ("redis-server", "haproxy") if not shutil.which(b)]


def install_packages() -> None:
    """Debian's packages, with apt-get as root (as scripts/system_deps.sh does)."""
    missing = missing_packages()
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit(f"run-scaled needs {', '.join(missing)}: install them first, e.g. "
                         f"`sudo apt-get install {' '.join(missing)}`")
    print(f"installing {' '.join(missing)} (log: var/apt.log)", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    with open(ROOT / "var" / "apt.log", "ab") as log:
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *missing]):
            subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, check=False)
    if missing_packages():
        raise SystemExit(f"apt-get could not install {', '.join(missing_packages())} "
                         "(see var/apt.log)")


# --- ports and environment ---------------------------------------------------------

def ports(env: Dict[str, str], name: str, base: str, count: int) -> List[int]:
    """`name` (comma-separated) if set, else the `count` ports after `base`."""
    if env.get(name):
        given = [int(p) for p in env[name].split(",") if p.strip()]
        if len(given) < count:
            raise SystemExit(f"{name} names {len(given)} ports; {count} needed")
        return given[:count]
    return [int(env[base]) + i for i in range(1, count + 1)]


def secret(name: str) -> str:
    """A password generated once and kept in var/scaled (mode 600)."""
    path = STATE / f"{name}.secret"
    if not path.exists():
        path.write_text(secrets.token_hex(16))
        path.chmod(0o600)
    return path.read_text().strip()


def scaled_env(env: Dict[str, str], pg_port: int, redis_port: int) -> Dict[str, str]:
    """The variables deploy/endpoints.production.yml and the services read."""
    password = secret("postgres")
    url = f"postgresql://{DB_USER}:{password}@127.0.0.1:{pg_port}/"
    scaled = {
        "TRACKER_DB_HOST": "127.0.0.1", "TRACKER_DB_PORT": str(pg_port),
        "TRACKER_DB_NAME": DATABASES["TRACKER_DB_NAME"], "TRACKER_DB_USER": DB_USER,
        "TRACKER_DB_PASSWORD": password,
        "EVENT_BROKER_DB_HOST": "127.0.0.1", "EVENT_BROKER_DB_PORT": str(pg_port),
        "EVENT_BROKER_DB_NAME": DATABASES["EVENT_BROKER_DB_NAME"],
        "EVENT_BROKER_DB_USER": DB_USER, "EVENT_BROKER_DB_PASSWORD": password,
        # The inbox reads the broker's table; the channels share dedupe and windows.
        "EVENT_BROKER_DB_URL": url + DATABASES["EVENT_BROKER_DB_NAME"],
        "CHANNEL_STATE_DB_URL": url + DATABASES["CHANNEL_STATE"],
        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis_port), "REDIS_DB": "0",
        "REDIS_PASSWORD": secret("redis"), "REDIS_KEY_PREFIX": "harbor",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{env['ACTION_PORT']}/webhook",
        "RASA_URL": f"http://127.0.0.1:{env['RASA_PORT']}",
    }
    return {**env, **scaled}


# --- PostgreSQL and Redis -----------------------------------------------------------

def server_account() -> Optional[pwd.struct_passwd]:
    """PostgreSQL refuses to run as root: as root, the cluster belongs to `postgres`."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise SystemExit("running as root, and no `postgres` account to run PostgreSQL as")


def postgres(port: int) -> Service:
    """The cluster in var/scaled/postgres (initdb on first use) as a Service."""
    bin_dir, account = postgres_bin(), server_account()
    data, sockets = STATE / "postgres", STATE / "sockets"
    sockets.mkdir(exist_ok=True)
    as_user = {} if account is None else dict(user=account.pw_uid, group=account.pw_gid,
                                              extra_groups=[])
    if account is not None:
        os.chown(sockets, account.pw_uid, account.pw_gid)
    env = dict(os.environ, LC_ALL="C", LANG="C")
    if not (data / "PG_VERSION").exists():
        pwfile = STATE / "pwfile"
        pwfile.write_text(secret("postgres") + "\n")
        if account is not None:
            os.chown(STATE, account.pw_uid, account.pw_gid)
            os.chown(pwfile, account.pw_uid, account.pw_gid)
        subprocess.run([str(bin_dir / "initdb"), "-D", str(data), "-U", DB_USER,
                        "--pwfile", str(pwfile), "--auth", "scram-sha-256", "-E", "UTF8",
                        "--locale", "C"], check=True, env=env, cwd=STATE,
                       stdout=subprocess.DEVNULL, **as_user)
        pwfile.unlink()
    service = Service("postgres", [
        str(bin_dir / "postgres"), "-D", str(data), "-p", str(port),
        "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={sockets}",
        "-c", "max_connections=200", "-c", "synchronous_commit=off"], "",
        stop_signal=signal.SIGINT)
    service.proc = subprocess.Popen(service.cmd, cwd=STATE, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, start_new_session=True, **as_user)
    return service


def create_databases(port: int, timeout: float = 60) -> None:
    import psycopg2

    deadline = time.time() + timeout
    while True:
        try:
            conn = psycopg2.connect(host="127.0.0.1", port=port, user=DB_USER, dbname="postgres",
                                    password=secret("postgres"), connect_timeout=2)
            break
        except psycopg2.OperationalError:
            if time.time() > deadline:
                raise
            time.sleep(0.3)
    conn.autocommit = True
    with conn.cursor() as cur:
        for name in DATABASES.values():
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def create_tables(env: Dict[str, str]) -> None:
    """Rasa's tracker store and SQL broker tables, before the replicas start:
    replicas creating them at once on a fresh database race, and Rasa 3.6 does
    not survive losing that race (a duplicate catalog row)."""
    import sqlalchemy as sa
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.tracker_store import SQLTrackerStore

    base = env["CHANNEL_STATE_DB_URL"].rsplit("/", 1)[0]
    for tables, db in ((SQLTrackerStore.Base, env["TRACKER_DB_NAME"]),
                       (SQLEventBroker.Base, env["EVENT_BROKER_DB_NAME"])):
        engine = sa.create_engine(f"{base}/{db}")
        tables.metadata.create_all(engine)
        engine.dispose()


def redis(port: int) -> Service:
    (STATE / "redis").mkdir(exist_ok=True)
    config = STATE / "redis.conf"  # the password in a file, not on the command line
    config.write_text(f"port {port}\nbind 127.0.0.1\nrequirepass {secret('redis')}\n"
                      f"dir {STATE / 'redis'}\nsave \"\"\nappendonly no\n")
    config.chmod(0o600)
    return Service("redis", [shutil.which("redis-server"), str(config)],
                   "")


# --- the balancer --------------------------------------------------------------------

def haproxy_config(rasa_port: int, replicas: List[int], action_port: int,
                   actions: List[int]) -> str:
    """Round robin over healthy servers; passive checks (a failed connection marks a
    server down at once) plus an active GET every 2 s to bring it back (and to
    take down one that stopped answering for 3 checks of up to 10 s each: a
    replica saturated by load answers slowly but is not dead).

    `retry-on conn-failure` + `redispatch`: a request whose connection failed never
    reached a replica, so it goes to another one. Nothing else is retried: once a
    replica has the request it may have run the turn, and sending it again would
    answer the customer twice; the client gets a 502 instead."""
    def backend(name: str, server_ports: List[int], health: str) -> str:
        servers = "\n".join(f"  server {name}{i + 1} 127.0.0.1:{p} check"
                            for i, p in enumerate(server_ports))
        return (f"backend {name}\n  balance roundrobin\n  option httpchk GET {health}\n"
                f"  default-server inter 2s fall 3 rise 2 observe layer4 error-limit 1 "
                f"on-error mark-down\n{servers}\n")

    return f"""global
  maxconn 2000
  # Printed by the supervisor as `haproxy |` lines: only failed or retried requests.
  log stdout format raw local0

defaults
  mode http
  log global
  option httplog
  option dontlog-normal
  timeout connect 2s
  # A replica busy with a CPU-bound turn answers its check late; it is not dead.
  timeout check 10s
  timeout client 300s
  timeout server 300s
  retries 3
  option redispatch 1
  retry-on conn-failure

frontend rasa_in
  bind 127.0.0.1:{rasa_port}
  default_backend rasa

frontend actions_in
  bind 127.0.0.1:{action_port}
  default_backend actions

{backend("rasa", replicas, "/")}
{backend("actions", actions, "/health")}"""


# --- putting it together ----------------------------------------------------------------

def scaled_services(env: Dict[str, str], model: Path, replicas: int) -> List[Service]:
    """CRM, inbox, two action servers, `replicas` Rasa processes and HAProxy."""
    rasa_ports = ports(env, "RASA_REPLICA_PORTS", "RASA_PORT", replicas)
    action_ports = ports(env, "ACTION_REPLICA_PORTS", "ACTION_PORT", ACTION_SERVERS)
    found: List[Service] = []
    for service in services(env, model):  # `make run`'s, one per kind
        if service.name == "actions":
            for i, port in enumerate(action_ports, 1):
                cmd = list(service.cmd)
                cmd[cmd.index("--port") + 1] = str(port)
                found.append(Service(f"actions{i}", cmd, f"http://127.0.0.1:{port}/health",
                                     replica_of="actions"))
        elif service.name == "rasa":
            for i, port in enumerate(rasa_ports, 1):
                cmd = list(service.cmd)
                cmd[cmd.index("--port") + 1] = str(port)
                cmd[cmd.index("--endpoints") + 1] = ENDPOINTS
                found.append(Service(f"rasa{i}", cmd, f"http://127.0.0.1:{port}/",
                                     replica_of="rasa"))
        else:
            found.append(service)
    config = STATE / "haproxy.cfg"
    config.write_text(haproxy_config(int(env["RASA_PORT"]), rasa_ports,
                                     int(env["ACTION_PORT"]), action_ports))
    found.append(Service("haproxy", [shutil.which("haproxy"), "-W", "-db", "-f", str(config)],
                         f"http://127.0.0.1:{env['RASA_PORT']}/"))
    return found


def balancer_ready(env: Dict[str, str], timeout: float = 30) -> bool:
    """Waits until HAProxy's checks have passed a Rasa replica (a 200 through it)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{env['RASA_PORT']}/", timeout=2)
            return True
        except OSError:
            time.sleep(0.3)
    print("haproxy: no Rasa replica passed its health check", flush=True)
    return True


def print_urls(env: Dict[str, str], names: List[str]) -> None:
    print(f"""
Harbor (scaled) is up: {', '.join(names)}
  chat (REST)     curl -s -XPOST localhost:{env['RASA_PORT']}/webhooks/rest/webhook \\
                    -d '{{"sender":"t1","message":"where is my order 10231?"}}'
  Rasa HTTP API   http://localhost:{env['RASA_PORT']}/status?token=$RASA_AUTH_TOKEN (balanced)
  agent inbox     http://localhost:{env.get('INBOX_PORT', '8080')}/
  PostgreSQL      127.0.0.1:{env['TRACKER_DB_PORT']} (user {DB_USER}, password in var/scaled/)
Press Ctrl-C to stop everything.
""", flush=True)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int,
                        default=int(os.environ.get("REPLICAS") or DEFAULT_REPLICAS))
    args = parser.parse_args(argv)
    global STATE
    env = harbor_env()
    STATE = Path(env.get("HARBOR_SCALED_DIR") or STATE).resolve()
    STATE.mkdir(parents=True, exist_ok=True)
    install_packages()
    pg_port = int(env.get("SCALED_POSTGRES_PORT") or 5433)
    redis_port = int(env.get("SCALED_REDIS_PORT") or 6380)
    env = scaled_env(env, pg_port, redis_port)
    check("run", env)  # production: refuses development secrets (the stores' are generated)
    os.environ.update(env)
    model = Path(env["HARBOR_MODEL"]) if env.get("HARBOR_MODEL") else ensure_model()
    children = {**env, WARNED: "1"}
    rest = [redis(redis_port)] + scaled_services(children, model, args.replicas)
    # PostgreSQL first, with its databases: Rasa's SQL stores connect at startup.
    pg = postgres(pg_port)
    try:
        create_databases(pg_port)
        create_tables(env)
    except BaseException:
        os.killpg(pg.proc.pid, signal.SIGINT)
        raise
    names = [s.name for s in [pg] + rest]
    return supervise([pg] + rest, children,
                     on_ready=lambda: balancer_ready(env) and print_urls(env, names))


if __name__ == "__main__":
    sys.exit(main())
