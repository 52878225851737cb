"""The deployment files agree with each other and with the docs: they parse, the
Helm values configure the same stores as deploy/endpoints.production.yml and
the same channels as credentials.yml, and every variable they name is
documented and delivered. No cluster here: these are the cheap checks."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Iterator, Set

import pytest
import yaml

from scripts.harbor_env import parse_env_file
from tests.support.procs import ROOT

DEPLOY = ROOT / "deploy"
ENDPOINTS = DEPLOY / "endpoints.production.yml"
RASA_VALUES = DEPLOY / "helm" / "rasa-values.yaml"
ACTIONS_VALUES = DEPLOY / "helm" / "action-server-values.yaml"
MANIFESTS = [DEPLOY / "k8s" / "inbox.yaml", DEPLOY / "k8s" / "crm-demo.yaml"]
VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Set by the charts themselves (charts/rasa/templates: action server URL).
CHART_PROVIDED = {"ACTION_SERVER_URL"}


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def load_all(path: Path) -> list:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)
    elif isinstance(node, str):
        yield node


def env_names(containers_env: list) -> Set[str]:
    return {entry["name"] for entry in containers_env or []}


def documented() -> Set[str]:
    names = set(parse_env_file(ROOT / ".env.example"))
    names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)", (ROOT / "docs" / "deploy.md").read_text()))
    return names


def store(section: Dict[str, Any]) -> Dict[str, str]:
    """A store's settings as Rasa reads them: no chart switches, no nulls,
    type names compared case-insensitively (Rasa lower-cases them)."""
    out = {k: str(v) for k, v in section.items() if k != "enabled" and v is not None}
    out["type"] = out["type"].lower()
    return out


def test_production_endpoints_use_postgresql_redis_and_a_sql_broker_from_the_environment():
    endpoints = load(ENDPOINTS)
    tracker, locks, broker = (endpoints["tracker_store"], endpoints["lock_store"],
                              endpoints["event_broker"])
    assert (tracker["type"], tracker["dialect"]) == ("SQL", "postgresql")
    assert locks["type"] == "redis"
    assert (broker["type"], broker["dialect"]) == ("SQL", "postgresql")
    for section in (tracker, locks, broker, {"url": endpoints["action_endpoint"]["url"]}):
        for key, value in section.items():
            if key not in ("type", "dialect"):
                assert VAR.fullmatch(str(value)), f"{key}: {value} is not a ${{VAR}}"
    # Both tables are called `events`: the broker needs a database of its own.
    assert tracker["db"] != broker["db"]


def test_helm_values_configure_the_same_stores_as_the_production_endpoints():
    endpoints, values = load(ENDPOINTS), load(RASA_VALUES)["applicationSettings"]["endpoints"]
    for chart_key, rasa_key in (("trackerStore", "tracker_store"), ("lockStore", "lock_store"),
                                ("eventBroker", "event_broker")):
        assert values[chart_key]["enabled"] is True, chart_key
        assert store(values[chart_key]) == store(endpoints[rasa_key]), chart_key
    # Chart defaults that would break Rasa are removed (null deletes a default key).
    assert "login_db" in values["trackerStore"] and values["trackerStore"]["login_db"] is None
    assert "queues" in values["eventBroker"] and values["eventBroker"]["queues"] is None


def test_helm_runs_several_rasa_replicas_only_with_the_shared_redis_lock_store():
    values = load(RASA_VALUES)
    assert values["replicaCount"] >= 2
    lock_store = values["applicationSettings"]["endpoints"]["lockStore"]
    assert lock_store["enabled"] is True and lock_store["type"] == "redis"
    for bundled in ("postgresql", "redis", "rabbitmq"):
        assert values[bundled]["install"] is False, bundled
    assert values["applicationSettings"]["enableAPI"] is True
    assert values["applicationSettings"]["initialModel"] == ""  # the model is in the image
    action = values["rasa-action-server"]
    # Our own action_endpoint (with the token header), not the chart's.
    assert action["install"] is False and action["external"]["enabled"] is False
    ours = values["applicationSettings"]["endpoints"]["additionalEndpoints"]["action_endpoint"]
    assert ours == load(ENDPOINTS)["action_endpoint"]
    secret_in_file = values["applicationSettings"]["token"] or \
        values["applicationSettings"]["rasaX"]["jwtSecret"]
    assert not secret_in_file, "the token and JWT secret are --set at install, never committed"


def test_helm_channel_credentials_match_credentials_yml():
    ours = load(ROOT / "credentials.yml")
    helm = load(RASA_VALUES)["applicationSettings"]["credentials"]
    assert helm["enabled"] is True
    channels = helm["additionalChannelCredentials"]
    assert set(channels) == set(ours)
    for name, settings in ours.items():
        assert (channels[name] or {}) == (settings or {}), name


def test_every_variable_rasa_reads_in_the_cluster_reaches_its_container():
    values = load(RASA_VALUES)
    settings = values["applicationSettings"]
    needed = {m for s in strings([settings["endpoints"], settings["credentials"]])
              for m in VAR.findall(s)}
    delivered = env_names(values["extraEnv"])
    assert needed - delivered == set()
    for entry in values["extraEnv"] + load(ACTIONS_VALUES)["extraEnv"]:
        ref = entry["valueFrom"]["secretKeyRef"]
        assert (ref["name"], ref["key"]) == ("harbor-env", entry["name"]), entry


def test_every_variable_the_deploy_files_name_is_documented():
    named: Set[str] = set()
    for path in [ENDPOINTS, RASA_VALUES, ACTIONS_VALUES]:
        named |= {m for s in strings(load(path)) for m in VAR.findall(s)}
    named |= env_names(load(RASA_VALUES)["extraEnv"]) | env_names(load(ACTIONS_VALUES)["extraEnv"])
    for path in MANIFESTS:
        for doc in load_all(path):
            if doc["kind"] == "Deployment":
                for container in doc["spec"]["template"]["spec"]["containers"]:
                    named |= env_names(container.get("env"))
    undocumented = named - CHART_PROVIDED - documented()
    assert not undocumented, f"document these in .env.example or docs/deploy.md: {undocumented}"


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_k8s_manifest_wires_its_deployment_to_its_service_and_secret(path):
    docs = {doc["kind"]: doc for doc in load_all(path)}
    deployment, service = docs["Deployment"], docs["Service"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["selector"].items() <= labels.items()
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    port_names = {p["name"] for p in container["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names
    assert container["readinessProbe"]["httpGet"]["port"] in port_names
    assert container["envFrom"] == [{"secretRef": {"name": "harbor-env"}}]
    module = container["command"][-1]  # python -m services.<name>
    assert (ROOT / module.replace(".", "/") / "__main__.py").is_file(), module
    host = {e["name"]: e.get("value") for e in container["env"]}
    assert "0.0.0.0" in host.values(), "listen on all interfaces inside the pod"
    assert deployment["spec"]["replicas"] == 1  # single-process services


def test_dockerfile_copies_only_folders_that_exist():
    copies = re.findall(r"^COPY\s+(.+)$", (DEPLOY / "Dockerfile").read_text(), re.MULTILINE)
    sources = [src for line in copies for src in line.split()[:-1]]
    assert {"requirements.txt", "actions/", "addons/", "services/", "models/"} <= set(sources)
    missing = [src for src in sources if not (ROOT / src).exists()]
    assert not missing


def test_run_scaled_runs_its_replicas_on_the_production_endpoints_with_every_variable_set(
        tmp_path, monkeypatch):
    """`make run-scaled` proves what the cluster runs: the same endpoints file,
    and nothing in it left for the operator to fill in on one machine."""
    from scripts import run_scaled

    monkeypatch.setattr(run_scaled, "STATE", tmp_path)  # its generated passwords
    assert (ROOT / run_scaled.ENDPOINTS).resolve() == ENDPOINTS.resolve()
    env = run_scaled.scaled_env({"RASA_PORT": "5005", "ACTION_PORT": "5055"}, 5433, 6380)
    needed = {m for s in strings(load(ENDPOINTS)) for m in VAR.findall(s)}
    assert needed - set(env) - set(parse_env_file(ROOT / ".env.example")) == set()
    # The channels' dedupe and windows are shared by the replicas, not one file each.
    assert env["CHANNEL_STATE_DB_URL"].startswith("postgresql://")
    assert env["EVENT_BROKER_DB_URL"].endswith("/" + env["EVENT_BROKER_DB_NAME"])


def test_helm_values_scale_like_run_scaled_and_share_the_channel_state():
    from scripts import run_scaled

    rasa, actions = load(RASA_VALUES), load(ACTIONS_VALUES)
    assert rasa["replicaCount"] == run_scaled.DEFAULT_REPLICAS
    assert actions["replicaCount"] == run_scaled.ACTION_SERVERS
    # Every replica reads the shared channel state from the Secret (docs/deploy.md).
    assert "CHANNEL_STATE_DB_URL" in env_names(rasa["extraEnv"])
    assert "CHANNEL_STATE_DB_URL" in documented()
