"""All configuration in one typed place; the CLI fills these from flags and environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

BUNDLED_MODEL_DIR = Path(__file__).resolve().parent / "model" / "ceasefire-stance-minilm"
"""The stance model shipped inside the package; ``--model-dir`` replaces it."""

DEFAULT_POSITION_MIN_CONFIDENCE = 0.8
"""A statement takes part in a position (and so in a stance shift) only with at least this probability."""

OffsetReset = Literal["earliest", "latest"]


class KafkaSettings(BaseModel):
    """How to reach the brokers; the single place that becomes kafka-python client settings."""

    model_config = ConfigDict(frozen=True)

    bootstrap_servers: str = Field("127.0.0.1:9092", description="Comma-separated host:port list.")
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None

    def client_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers.split(","),
            "security_protocol": self.security_protocol,
        }
        if self.sasl_mechanism is not None:
            config["sasl_mechanism"] = self.sasl_mechanism
            config["sasl_plain_username"] = self.sasl_username
            config["sasl_plain_password"] = (
                self.sasl_password.get_secret_value() if self.sasl_password else None
            )
        return config


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
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(9464, ge=0, le=65535, description="0 disables the exporter.")
