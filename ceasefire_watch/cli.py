"""The ``ceasefire-watch`` command line. Every flag also reads an environment variable."""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import structlog
import typer
from pydantic import ValidationError

from ceasefire_watch import logs, metrics
from ceasefire_watch.clients import (
    AlertFilter,
    BrokerLoginError,
    GroupInUseError,
    exclusive_group,
    follow,
    format_alert,
    messages_from_file,
    publish,
)
from ceasefire_watch.config import (
    BUNDLED_MODEL_DIR,
    KafkaSettings,
    OffsetReset,
    PipelineSettings,
    TopicSettings,
)
from ceasefire_watch.memory import return_large_buffers_to_the_os
from ceasefire_watch.model.corpus import FP32_DIR, REPO_ROOT
from ceasefire_watch.runners import RunnerName, RunningPipeline, new_pipeline

app = typer.Typer(help=__doc__, no_args_is_help=True, pretty_exceptions_enable=False)
log = structlog.get_logger("ceasefire_watch")

_DEFAULTS = PipelineSettings()

ArticlesTopic = Annotated[
    str, typer.Option(envvar="CEASEFIRE_ARTICLES_TOPIC", help="Topic articles arrive on.")
]
AlertsTopic = Annotated[
    str, typer.Option(envvar="CEASEFIRE_ALERTS_TOPIC", help="Topic alerts are written to.")
]
PositionsTopic = Annotated[
    str, typer.Option(envvar="CEASEFIRE_POSITIONS_TOPIC", help="Topic positions are written to.")
]
DeadLetterTopic = Annotated[
    str, typer.Option(envvar="CEASEFIRE_DEAD_LETTER_TOPIC", help="Topic for rejected articles.")
]
ModelDir = Annotated[Path, typer.Option(envvar="CEASEFIRE_MODEL_DIR", help="Folder of the stance model.")]
AttributionProcesses = Annotated[
    int | None,
    typer.Option(
        envvar="CEASEFIRE_ATTRIBUTION_PROCESSES",
        min=0,
        help="Processes per SDK worker that attribute speakers (default: one per core of the worker's "
        "machine); 0 attributes in the worker's own process.",
        show_default=False,
    ),
]
Runner = Annotated[
    str,
    typer.Option(
        envvar="CEASEFIRE_RUNNER", help="prism, fnapi, or beam-args (use the Beam flags given after --)."
    ),
]


_KAFKA_CONNECTION: dict[str, tuple[Any, Any]] = {
    "bootstrap_servers": (
        Annotated[
            str,
            typer.Option(
                "--brokers",
                envvar="CEASEFIRE_BROKERS",
                help="Kafka bootstrap servers, host:port[,host:port].",
            ),
        ],
        _DEFAULTS.kafka.bootstrap_servers,
    ),
    "security_protocol": (
        Annotated[
            str,
            typer.Option(
                "--kafka-security-protocol",
                envvar="CEASEFIRE_KAFKA_SECURITY_PROTOCOL",
                help="PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.",
            ),
        ],
        _DEFAULTS.kafka.security_protocol,
    ),
    "sasl_mechanism": (
        Annotated[
            str | None,
            typer.Option(
                "--kafka-sasl-mechanism",
                envvar="CEASEFIRE_KAFKA_SASL_MECHANISM",
                help="PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.",
            ),
        ],
        None,
    ),
    "sasl_username": (
        Annotated[
            str | None,
            typer.Option(
                "--kafka-sasl-username", envvar="CEASEFIRE_KAFKA_SASL_USERNAME", help="SASL user name."
            ),
        ],
        None,
    ),
    "sasl_password": (
        Annotated[
            str | None,
            typer.Option(
                "--kafka-sasl-password",
                envvar="CEASEFIRE_KAFKA_SASL_PASSWORD",
                help="SASL password; prefer the environment variable, which the process list does not show.",
            ),
        ],
        None,
    ),
    "ssl_cafile": (
        Annotated[
            Path | None,
            typer.Option(
                "--kafka-ssl-cafile",
                envvar="CEASEFIRE_KAFKA_SSL_CAFILE",
                exists=True,
                dir_okay=False,
                help="CA bundle (PEM) the brokers' certificates are checked against; default: the system's.",
            ),
        ],
        None,
    ),
    "ssl_certfile": (
        Annotated[
            Path | None,
            typer.Option(
                "--kafka-ssl-certfile",
                envvar="CEASEFIRE_KAFKA_SSL_CERTFILE",
                exists=True,
                dir_okay=False,
                help="Client certificate (PEM), for mutual TLS.",
            ),
        ],
        None,
    ),
    "ssl_keyfile": (
        Annotated[
            Path | None,
            typer.Option(
                "--kafka-ssl-keyfile",
                envvar="CEASEFIRE_KAFKA_SSL_KEYFILE",
                exists=True,
                dir_okay=False,
                help="The client certificate's private key (PEM).",
            ),
        ],
        None,
    ),
    "ssl_key_password": (
        Annotated[
            str | None,
            typer.Option(
                "--kafka-ssl-key-password",
                envvar="CEASEFIRE_KAFKA_SSL_KEY_PASSWORD",
                help="Password of the client key, if it is encrypted.",
            ),
        ],
        None,
    ),
    "ssl_check_hostname": (
        Annotated[
            bool,
            typer.Option(
                "--kafka-ssl-check-hostname/--no-kafka-ssl-check-hostname",
                envvar="CEASEFIRE_KAFKA_SSL_CHECK_HOSTNAME",
                help="Check that a broker's certificate names the host connected to.",
            ),
        ],
        _DEFAULTS.kafka.ssl_check_hostname,
    ),
}
"""KafkaSettings field -> (flag with its environment variable, default), shared by every command that talks
to the brokers."""


def kafka_connection(command: Callable[..., None]) -> Callable[..., None]:
    """Give a command the broker and security flags; it receives them as one KafkaSettings, ``kafka``.

    One declaration for ``run``, ``publish`` and ``tail``, so the three cannot drift apart.
    """
    own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != "kafka"]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)
        for name, (annotation, default) in _KAFKA_CONNECTION.items()
    ]

    @functools.wraps(command)
    def with_connection(**options: Any) -> None:
        connection = {name: options.pop(name) for name in _KAFKA_CONNECTION}
        command(kafka=_kafka_settings(connection), **options)

    with_connection.__signature__ = inspect.Signature([*own, *added])  # type: ignore[attr-defined]
    return with_connection


def _kafka_settings(connection: dict[str, Any]) -> KafkaSettings:
    """The settings, or a usage error that names the problem and never echoes a value."""
    try:
        return KafkaSettings(**connection)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}".lstrip(": ")
            for e in error.errors(include_input=False)
        )
        raise typer.BadParameter(problems, param_hint="Kafka connection") from None


def _topics(articles: str, alerts: str, positions: str, dead_letters: str) -> TopicSettings:
    return TopicSettings(articles=articles, alerts=alerts, positions=positions, dead_letters=dead_letters)


def _model_handler(model_dir: Path, batch_size: int) -> Any:
    from ceasefire_watch.transforms.stance import StanceModelHandler

    return StanceModelHandler(model_dir, max_batch_size=batch_size)


def start_streaming_job(
    settings: PipelineSettings, runner: RunnerName, beam_args: list[str]
) -> RunningPipeline:
    """Build the streaming graph on the chosen runner and start it in the background."""
    from ceasefire_watch.pipelines.streaming import build_streaming_pipeline

    return_large_buffers_to_the_os()
    if settings.metrics_port:
        metrics.serve(settings.metrics_host, settings.metrics_port)
    pipeline = new_pipeline(runner, streaming=True, beam_args=beam_args)
    build_streaming_pipeline(
        pipeline, settings, _model_handler(settings.model_dir, settings.inference_batch_size)
    )
    return RunningPipeline(pipeline).start()


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
@kafka_connection
def run(
    ctx: typer.Context,
    kafka: KafkaSettings,
    articles_topic: ArticlesTopic = _DEFAULTS.topics.articles,
    alerts_topic: AlertsTopic = _DEFAULTS.topics.alerts,
    positions_topic: PositionsTopic = _DEFAULTS.topics.positions,
    dead_letter_topic: DeadLetterTopic = _DEFAULTS.topics.dead_letters,
    group: Annotated[
        str, typer.Option(envvar="CEASEFIRE_GROUP", help="Consumer group whose offsets are committed.")
    ] = _DEFAULTS.consumer_group,
    offset_reset: Annotated[
        str,
        typer.Option(
            envvar="CEASEFIRE_OFFSET_RESET", help="earliest or latest, for partitions the group never read."
        ),
    ] = _DEFAULTS.offset_reset,
    model_dir: ModelDir = _DEFAULTS.model_dir,
    batch_size: Annotated[
        int, typer.Option(envvar="CEASEFIRE_BATCH_SIZE", help="Largest inference batch.")
    ] = _DEFAULTS.inference_batch_size,
    metrics_address: Annotated[
        str,
        typer.Option(
            envvar="CEASEFIRE_METRICS_ADDRESS",
            help="host:port of the Prometheus exporter; port 0 disables it.",
        ),
    ] = f"{_DEFAULTS.metrics_host}:{_DEFAULTS.metrics_port}",
    position_min_confidence: Annotated[
        float,
        typer.Option(
            envvar="CEASEFIRE_POSITION_MIN_CONFIDENCE",
            help="Least probability of a statement's stance for it to count towards a position.",
        ),
    ] = _DEFAULTS.position_min_confidence,
    attribution_processes: AttributionProcesses = _DEFAULTS.attribution_processes,
    runner: Runner = "prism",
) -> None:
    """Run the streaming job until interrupted. Extra arguments after -- go to Beam."""
    host, _, port = metrics_address.rpartition(":")
    settings = PipelineSettings(
        kafka=kafka,
        topics=_topics(articles_topic, alerts_topic, positions_topic, dead_letter_topic),
        consumer_group=group,
        offset_reset=_offset_reset(offset_reset),
        model_dir=model_dir,
        inference_batch_size=batch_size,
        position_min_confidence=position_min_confidence,
        attribution_processes=attribution_processes,
        metrics_host=host or "127.0.0.1",
        metrics_port=int(port),
    )
    with _exit_on(metrics.MetricsAddressInUseError, 2):
        if settings.metrics_port:  # claimed first: a taken address stops the job before it waits for brokers
            metrics.serve(settings.metrics_host, settings.metrics_port)
    with (
        _exit_on(GroupInUseError, 3),
        _exit_on(BrokerLoginError, 4),
        exclusive_group(kafka, group, articles_topic),
    ):
        job = start_streaming_job(settings, _runner(runner), list(ctx.args))
        log.info(
            "pipeline started",
            runner=runner,
            brokers=kafka.bootstrap_servers,
            security_protocol=kafka.security_protocol,
            articles=articles_topic,
            alerts=alerts_topic,
        )
        _wait(job, max_seconds=0)


@contextlib.contextmanager
def _exit_on(error_type: type[Exception], code: int) -> Iterator[None]:
    """A reason the command cannot go on, on one line, and the exit code the README lists for it."""
    try:
        yield
    except error_type as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code) from None


def _runner(name: str) -> RunnerName:
    if name not in ("prism", "fnapi", "beam-args"):
        raise typer.BadParameter(f"unknown runner {name!r}: choose prism, fnapi or beam-args")
    return name  # type: ignore[return-value]


def _offset_reset(value: str) -> OffsetReset:
    if value not in ("earliest", "latest"):
        raise typer.BadParameter(f"offset reset must be earliest or latest, not {value!r}")
    return value  # type: ignore[return-value]


def _wait(job: RunningPipeline, max_seconds: float) -> None:
    """Block until the job stops, Ctrl-C, SIGTERM, or ``max_seconds`` (0: no limit)."""
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    deadline = time.monotonic() + max_seconds if max_seconds else float("inf")
    try:
        while job.is_alive() and time.monotonic() < deadline:
            time.sleep(0.5)
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        job.cancel()
    if job.error is not None:
        raise job.error


@app.command("publish")
@kafka_connection
def publish_command(
    files: Annotated[
        list[Path],
        typer.Argument(help="JSONL files (one article per line) or text files (one article each)."),
    ],
    kafka: KafkaSettings,
    articles_topic: ArticlesTopic = _DEFAULTS.topics.articles,
) -> None:
    """Publish articles to the articles topic."""
    with _exit_on(BrokerLoginError, 4):
        sent = sum(publish(kafka, articles_topic, messages_from_file(path)) for path in files)
    typer.echo(f"published {sent} messages to {articles_topic}")


@app.command()
@kafka_connection
def tail(
    kafka: KafkaSettings,
    alerts_topic: AlertsTopic = _DEFAULTS.topics.alerts,
    positions_topic: PositionsTopic = _DEFAULTS.topics.positions,
    positions: Annotated[
        bool, typer.Option("--positions", help="Follow the positions topic instead of the alerts.")
    ] = False,
    raw: Annotated[bool, typer.Option("--json", help="Print each alert as raw JSON.")] = False,
    from_beginning: Annotated[
        bool, typer.Option(help="Start at the oldest alert, not the next one.")
    ] = False,
    conflict: Annotated[str | None, typer.Option(help="Only alerts about this conflict (its slug).")] = None,
    speaker: Annotated[
        str | None, typer.Option(help="Only alerts whose speaker's name contains this.")
    ] = None,
    stance: Annotated[str | None, typer.Option(help="Only this stance (a shift's new stance).")] = None,
    min_confidence: Annotated[float, typer.Option(help="Only statements at least this probable.")] = 0.0,
    max_seconds: Annotated[float, typer.Option(help="Stop after this long; 0 follows until Ctrl-C.")] = 0,
) -> None:
    """Follow the alerts (or, with --positions, the positions) and print each one; filters narrow it down."""
    wanted = AlertFilter(conflict=conflict, speaker=speaker, stance=stance, min_confidence=min_confidence)
    deadline = time.monotonic() + max_seconds if max_seconds else float("inf")
    with contextlib.suppress(KeyboardInterrupt), _exit_on(BrokerLoginError, 4):
        topic = positions_topic if positions else alerts_topic
        for alert in follow(kafka, [topic], from_beginning):
            if alert and wanted.matches(alert):
                typer.echo(json.dumps(alert, ensure_ascii=False) if raw else format_alert(alert))
            if time.monotonic() > deadline:
                break


@app.command()
def backfill(
    input: Annotated[
        Path, typer.Option("--input", exists=True, dir_okay=False, help="Articles, one JSON object per line.")
    ],
    output: Annotated[Path, typer.Option("--output", help="Alerts, one JSON object per line.")],
    positions: Annotated[
        Path | None, typer.Option(help="Positions; default: OUTPUT with .positions.jsonl.")
    ] = None,
    dead_letters: Annotated[
        Path | None, typer.Option(help="Rejected lines; default: OUTPUT with .dead-letter.jsonl.")
    ] = None,
    model_dir: ModelDir = BUNDLED_MODEL_DIR,
    batch_size: Annotated[
        int, typer.Option(help="Largest inference batch.")
    ] = _DEFAULTS.inference_batch_size,
    attribution_processes: AttributionProcesses = _DEFAULTS.attribution_processes,
) -> None:
    """Run the same analysis in batch over an archive file."""
    from ceasefire_watch.pipelines.backfill import build_backfill_pipeline

    positions_path = positions or output.with_suffix(".positions.jsonl")
    dead_letter_path = dead_letters or output.with_suffix(".dead-letter.jsonl")
    pipeline = new_pipeline("fnapi", streaming=False)
    build_backfill_pipeline(
        pipeline,
        input,
        output,
        dead_letter_path,
        positions_path,
        _model_handler(model_dir, batch_size),
        _DEFAULTS.max_article_bytes,
        attribution_processes,
    )
    pipeline.run().wait_until_finish()
    typer.echo(f"alerts: {output}  positions: {positions_path}  dead letters: {dead_letter_path}")


@app.command()
def demo(
    kafka_port: Annotated[
        int,
        typer.Option(
            envvar="CEASEFIRE_DEMO_KAFKA_PORT", help="Port of the local broker; 0 picks a free one."
        ),
    ] = 9092,
    runner: Runner = "prism",
    max_seconds: Annotated[float, typer.Option(help="Stop after this long; 0 runs until Ctrl-C.")] = 0,
    model_dir: ModelDir = BUNDLED_MODEL_DIR,
) -> None:
    """Start a local broker, publish the sample articles, run the pipeline, print alerts."""
    from ceasefire_watch.dev import SAMPLES_DIR
    from ceasefire_watch.dev.kafka import LocalKafka, create_topics

    with contextlib.suppress(KeyboardInterrupt), LocalKafka(port=kafka_port or None) as broker:
        typer.echo(f"local Kafka at {broker.bootstrap_servers}")
        kafka = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
        topics = TopicSettings()
        create_topics(broker.bootstrap_servers, {topics.articles: 3, topics.alerts: 3, topics.positions: 3})
        create_topics(
            broker.bootstrap_servers,
            {topics.dead_letters: 1},
            configs={"max.message.bytes": str(32 * 1024 * 1024)},
        )
        settings = PipelineSettings(
            kafka=kafka, topics=topics, consumer_group="ceasefire-demo", model_dir=model_dir, metrics_port=0
        )
        job = start_streaming_job(settings, _runner(runner), [])
        try:
            sent = publish(kafka, topics.articles, messages_from_file(SAMPLES_DIR / "articles.jsonl"))
            malformed = json.loads((SAMPLES_DIR / "malformed.json").read_text("utf-8"))
            sent += publish(
                kafka, topics.articles, ((None, item["payload"].encode("utf-8")) for item in malformed)
            )
            typer.echo(f"published {sent} sample messages; alerts follow (Ctrl-C to stop)")
            _print_alerts(kafka, [topics.alerts, topics.positions], job, max_seconds)
        finally:
            typer.echo("stopping")
            job.cancel()
        if job.error is not None:
            typer.echo(f"pipeline failed: {job.error}", err=True)
            sys.exit(1)


def _print_alerts(kafka: KafkaSettings, topics: list[str], job: RunningPipeline, max_seconds: float) -> None:
    """Every alert and position from the start, until the job stops or ``max_seconds`` pass."""
    deadline = time.monotonic() + max_seconds if max_seconds else float("inf")
    for alert in follow(kafka, topics, from_beginning=True):
        if alert:
            typer.echo(format_alert(alert))
        if time.monotonic() > deadline or not job.is_alive():
            return


@app.command()
def classify(
    input: Annotated[
        Path,
        typer.Option(
            "--input", exists=True, dir_okay=False, help='Lines of {"id", "text"}; other fields are ignored.'
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", help='Lines of {"id", "relevant", "stance", "scores"}.')
    ],
    model_dir: ModelDir = BUNDLED_MODEL_DIR,
    batch_size: Annotated[int, typer.Option(help="Sentences per model call.")] = 32,
) -> None:
    """Classify statements from a JSONL file with the stance model."""
    from ceasefire_watch.model.artifact import OnnxStanceClassifier

    classifier = OnnxStanceClassifier(model_dir)
    rows = [json.loads(line) for line in input.read_text("utf-8").splitlines() if line.strip()]
    with output.open("w", encoding="utf-8") as out:
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            for row, scores in zip(batch, classifier.classify([r["text"] for r in batch]), strict=True):
                prediction = {
                    "id": row["id"],
                    "relevant": scores.relevant,
                    "stance": scores.stance,
                    "scores": scores.scores,
                }
                out.write(json.dumps(prediction, ensure_ascii=False) + "\n")
    typer.echo(f"classified {len(rows)} statements into {output}")


@app.command()
def evaluate(
    model_dir: ModelDir = BUNDLED_MODEL_DIR,
    split: Annotated[str, typer.Option(help="train, dev or test.")] = "test",
    output: Annotated[Path, typer.Option(help="Where to write the JSON report.")] = REPO_ROOT
    / "build"
    / "evaluation.json",
    fp32_dir: Annotated[
        Path, typer.Option(help="The fp32 torch model from `train`, compared when torch is installed.")
    ] = FP32_DIR,
) -> None:
    """Score the model and named baselines on a corpus split held out by conflict, the blind set and the gold articles."""
    from ceasefire_watch.model.report import evaluate as run_evaluation
    from ceasefire_watch.model.report import render

    report = run_evaluation(model_dir, split, fp32_dir)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    typer.echo(render(report))
    typer.echo(f"\nreport written to {output}")


@app.command()
def train(
    epochs: Annotated[int, typer.Option(help="Passes over the training split.")] = 6,
    seed: Annotated[int, typer.Option(help="Seed for initialisation and shuffling.")] = 13,
    output_dir: Annotated[
        Path, typer.Option(help="Where the int8 ONNX model and tokenizer go.")
    ] = BUNDLED_MODEL_DIR,
) -> None:
    """Fine-tune the stance model on the corpus (needs the train extra: torch)."""
    from ceasefire_watch.model.train import TrainingConfig
    from ceasefire_watch.model.train import train as run_training

    summary = run_training(TrainingConfig(output_dir=output_dir, epochs=epochs, seed=seed))
    typer.echo(json.dumps(summary, indent=2))


def main() -> None:
    logs.configure()
    app()
