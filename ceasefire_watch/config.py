"""All configuration in one typed place; the CLI fills these from flags and environment variables."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

BUNDLED_MODEL_DIR = Path(__file__).resolve().parent / "model" / "ceasefire-stance-minilm"
"""The stance model shipped inside the package; ``--model-dir`` replaces it."""

DEFAULT_POSITION_MIN_CONFIDENCE = 0.8
"""A statement takes part in a position (and so in a stance shift) only with at least this probability."""

OffsetReset = Literal["earliest", "latest"]


SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


class KafkaSettings(BaseModel):
    """How to reach the brokers; the single place that becomes kafka-python client settings.

    Secrets are ``SecretStr``: they show as ``**********`` in reprs, and validation errors leave
    the input out, so neither can leak a password into a log. They travel to Beam workers
    pickled inside the DoFns that hold these settings.
    """

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    bootstrap_servers: str = Field("127.0.0.1:9092", description="Comma-separated host:port list.")
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = Field(None, description="CA bundle (PEM) for the brokers; default: system CAs.")
    ssl_certfile: Path | None = Field(None, description="Client certificate (PEM), for mutual TLS.")
    ssl_keyfile: Path | None = Field(None, description="The client certificate's private key (PEM).")
    ssl_key_password: SecretStr | None = None
    ssl_check_hostname: bool = True

    @model_validator(mode="after")
    def _protocol_matches_credentials(self) -> Self:
        """Credentials the chosen protocol would ignore are a mistake, not something to drop silently."""
        sasl = self.security_protocol in ("SASL_PLAINTEXT", "SASL_SSL")
        tls = self.security_protocol in ("SSL", "SASL_SSL")
        sasl_given = any(v is not None for v in (self.sasl_mechanism, self.sasl_username, self.sasl_password))
        tls_given = any(
            v is not None
            for v in (self.ssl_cafile, self.ssl_certfile, self.ssl_keyfile, self.ssl_key_password)
        )
        if sasl and (self.sasl_mechanism is None or not self.sasl_username or self.sasl_password is None):
            raise ValueError(f"{self.security_protocol} needs a SASL mechanism, a user name and a password")
        if sasl_given and not sasl:
            raise ValueError(
                f"SASL settings given, but the security protocol is {self.security_protocol}: "
                "use SASL_PLAINTEXT or SASL_SSL"
            )
        if tls_given and not tls:
            raise ValueError(
                f"TLS files given, but the security protocol is {self.security_protocol}: use SSL or SASL_SSL"
            )
        return self

    def client_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers.split(","),
            "security_protocol": self.security_protocol,
        }
        if self.sasl_mechanism is not None:
            # kafka-python takes SCRAM credentials under the same names as PLAIN ones.
            config["sasl_mechanism"] = self.sasl_mechanism
            config["sasl_plain_username"] = self.sasl_username
            config["sasl_plain_password"] = _reveal(self.sasl_password)
        if self.security_protocol in ("SSL", "SASL_SSL"):
            config["ssl_check_hostname"] = self.ssl_check_hostname
            config["ssl_cafile"] = _path_or_none(self.ssl_cafile)
            config["ssl_certfile"] = _path_or_none(self.ssl_certfile)
            config["ssl_keyfile"] = _path_or_none(self.ssl_keyfile)
            config["ssl_password"] = _reveal(self.ssl_key_password)
        return config


def _reveal(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret is not None else None


def _path_or_none(path: Path | None) -> str | None:
    return str(path) if path is not None else None


CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")
"""cgroup v2's CPU quota of this process's group: a container's CPU limit, as "quota period"."""


def usable_cores(cpu_max: Path = CGROUP_CPU_MAX) -> int:
    """Cores this process may use: its CPU affinity, capped by its container's CPU limit, which
    affinity does not show (a pod limited to 2 CPUs on a 32-core node sees 32)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        quota, period = cpu_max.read_text().split()
        return max(1, min(cores, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):  # no cgroup v2 file, or "max": no limit
        return cores


class TopicSettings(BaseModel):
    """Topic names: articles in; alerts, positions and dead letters out."""

    model_config = ConfigDict(frozen=True)

    articles: str = "articles"
    alerts: str = "ceasefire-alerts"
    positions: str = "ceasefire-positions"
    dead_letters: str = "articles-dead-letter"


class PipelineSettings(BaseModel):
    """Everything the streaming job needs to run."""

    model_config = ConfigDict(frozen=True)

    kafka: KafkaSettings = KafkaSettings()
    topics: TopicSettings = TopicSettings()
    consumer_group: str = "ceasefire-watch"
    offset_reset: OffsetReset = Field(
        "earliest", description="Where to start in a partition the group has never committed."
    )
    model_dir: Path = BUNDLED_MODEL_DIR
    inference_batch_size: int = Field(32, ge=1, le=512)
    max_article_bytes: int = Field(2 * 1024 * 1024, ge=1024)
    position_min_confidence: float = Field(
        DEFAULT_POSITION_MIN_CONFIDENCE,
        ge=0,
        le=1,
        description="Least probability of a statement's stance for it to count towards a position.",
    )
    attribution_processes: int | None = Field(
        None,
        ge=0,
        le=64,
        description="Processes per SDK worker that attribute speakers: by default one per core of the "
        "worker's machine; 0: in the worker's own process.",
    )
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(9464, ge=0, le=65535, description="0 disables the exporter.")
