"""Generates the ceasefire-watch Grafana dashboard, so the JSON is reviewed as code and never edited by hand.

    .venv/bin/python deploy/grafana/generate.py          # rewrite dashboards/ceasefire-watch.json
    .venv/bin/python deploy/grafana/generate.py --check  # exit 1 if the committed JSON is stale

Every query reads a metric from ceasefire_watch/metrics.py. Rates use Grafana's ``$__rate_interval``,
which is always wide enough for two scrapes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grafana_foundation_sdk.builders import common as common_builder
from grafana_foundation_sdk.builders import dashboard as dashboard_builder
from grafana_foundation_sdk.builders import prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common, dashboard

OUTPUT = Path(__file__).resolve().parent / "dashboards" / "ceasefire-watch.json"
UID = "ceasefire-watch"
JOB = 'job="ceasefire-watch"'
DATASOURCE = dashboard.DataSourceRef(type_val="prometheus", uid="${datasource}")
QUANTILES = (0.5, 0.95, 0.99)

Panel = timeseries.Panel | stat.Panel


def query(ref_id: str, expr: str, legend: str) -> prometheus.Dataquery:
    """A range query on the dashboard's Prometheus datasource."""
    return (
        prometheus.Dataquery().ref_id(ref_id).expr(expr).legend_format(legend).range().datasource(DATASOURCE)
    )


def quantiles(buckets: str, by: str, legend: str) -> list[prometheus.Dataquery]:
    """p50, p95 and p99 of a histogram's ``buckets`` selector, one series per value of the ``by`` labels."""
    grouping = ", ".join(filter(None, ("le", by)))
    return [
        query(
            chr(ord("A") + index),
            f"histogram_quantile({q}, sum by ({grouping}) (rate({buckets}[$__rate_interval])))",
            f"p{round(q * 100)} {legend}".rstrip(),
        )
        for index, q in enumerate(QUANTILES)
    ]


def rate(counter: str, by: str = "") -> str:
    """Per-second rate of a counter over Grafana's rate interval, summed (by ``by``) across workers."""
    window = f"rate({counter}[$__rate_interval])"
    return f"sum by ({by}) ({window})" if by else f"sum({window})"


def graph(
    title: str, description: str, unit: str, targets: list[prometheus.Dataquery], stacked: bool = False
) -> timeseries.Panel:
    """A time series panel with a table legend that shows each series' mean and last value."""
    panel = (
        timeseries.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .unit(unit)
        .min(0)
        .height(8)
        .span(12)
        .fill_opacity(10)
        .legend(
            common_builder.VizLegendOptions()
            .display_mode(common.LegendDisplayMode.TABLE)
            .placement(common.LegendPlacement.BOTTOM)
            .show_legend(True)
            .calcs(["mean", "lastNotNull"])
        )
        .tooltip(common_builder.VizTooltipOptions().mode(common.TooltipDisplayMode.MULTI))
        .targets(list(targets))
    )
    if stacked:
        panel = panel.stacking(common_builder.StackingConfig().mode(common.StackingMode.NORMAL))
    return panel


def single_stat(title: str, description: str, target: prometheus.Dataquery) -> stat.Panel:
    """A one-number panel showing the latest value."""
    return (
        stat.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .unit("short")
        .height(4)
        .span(6)
        .graph_mode(common.BigValueGraphMode.AREA)
        .reduce_options(common_builder.ReduceDataOptions().calcs(["lastNotNull"]))
        .with_target(target)
    )


def rows() -> list[tuple[str, list[Panel]]]:
    """The dashboard's rows, each with its panels in reading order."""
    overview: list[Panel] = [
        single_stat(
            "Exporters up",
            "Exporters of the ceasefire-watch job that Prometheus scraped successfully.",
            query("A", f"sum(up{{{JOB}}})", "up"),
        ),
        single_stat(
            "Articles read / s",
            "Messages read from the articles topic per second, good and malformed.",
            query("A", rate("ceasefire_articles_read_total"), "articles/s"),
        ),
        single_stat(
            "Alerts / s",
            "Alerts written to the alerts topic per second, all stances.",
            query("A", rate("ceasefire_alerts_total"), "alerts/s"),
        ),
        single_stat(
            "Consumer lag",
            "Messages waiting on the articles topic, all partitions together.",
            query("A", "sum(ceasefire_consumer_lag_messages)", "messages"),
        ),
    ]
    flow: list[Panel] = [
        graph(
            "Throughput: articles read",
            "Messages read from the articles topic per second, before parsing.",
            "short",
            [query("A", rate("ceasefire_articles_read_total"), "articles/s")],
        ),
        graph(
            "Statements found",
            "Candidate ceasefire sentences the lexicon found per second; each goes to the stance model.",
            "short",
            [
                query("A", rate("ceasefire_statements_found_total"), "found/s"),
                query(
                    "B", rate("ceasefire_statements_outside_armed_conflict_total"), "outside armed conflict/s"
                ),
            ],
        ),
        graph(
            "Alerts by stance",
            "Alerts written per second, stacked by the model's stance label.",
            "short",
            [query("A", rate("ceasefire_alerts_total", by="stance"), "{{stance}}")],
            stacked=True,
        ),
        graph(
            "Alerts by conflict",
            "Alerts written per second, stacked by the conflict the gazetteer tagged.",
            "short",
            [query("A", rate("ceasefire_conflict_alerts_total", by="conflict"), "{{conflict}}")],
            stacked=True,
        ),
        graph(
            "Positions by conflict and stance",
            "Positions written per second (one per speaker, conflict and article), by conflict and stance.",
            "short",
            [query("A", rate("ceasefire_positions_total", by="conflict, stance"), "{{conflict}} {{stance}}")],
            stacked=True,
        ),
        graph(
            "Stance shifts",
            "Stance shifts per second: a speaker's position on a conflict differs from an earlier article's.",
            "short",
            [query("A", rate("ceasefire_stance_shifts_total"), "shifts/s")],
        ),
        graph(
            "Consumer lag per partition",
            "Messages between the reader's position and the end of each partition of the articles topic.",
            "short",
            [
                query(
                    "A",
                    "max by (topic, partition) (ceasefire_consumer_lag_messages)",
                    "{{topic}} {{partition}}",
                )
            ],
        ),
    ]
    dead_letters: list[Panel] = [
        graph(
            "Dead letters by reason",
            "Messages sent to the dead-letter topic per second, stacked by rejection reason.",
            "short",
            [query("A", rate("ceasefire_parse_failures_total", by="reason"), "{{reason}}")],
            stacked=True,
        ),
        graph(
            "Dead-letter share",
            "Dead letters as a share of the messages read; CeasefireWatchDeadLetterRateHigh fires above 5%.",
            "percentunit",
            [
                query(
                    "A",
                    f"{rate('ceasefire_parse_failures_total')} / {rate('ceasefire_articles_read_total')}",
                    "dead letters / read",
                )
            ],
        ),
    ]
    latency: list[Panel] = [
        graph(
            "End-to-end latency from ingestion",
            "From the article reaching Kafka to its alert's detection: the pipeline's own delay.",
            "s",
            quantiles(
                'ceasefire_end_to_end_latency_seconds_bucket{reference="ingested"}',
                "reference",
                "{{reference}}",
            ),
        ),
        graph(
            "End-to-end latency from publication",
            "From the article's published_at to its alert's detection: includes the feed's own delay.",
            "s",
            quantiles(
                'ceasefire_end_to_end_latency_seconds_bucket{reference="published"}',
                "reference",
                "{{reference}}",
            ),
        ),
    ]
    inference: list[Panel] = [
        graph(
            "Inference batch size",
            "Statements per model call: the mean, and the p95 from the histogram (at most --batch-size).",
            "short",
            [
                query(
                    "A",
                    f"{rate('ceasefire_inference_batch_size_statements_sum')}"
                    f" / {rate('ceasefire_inference_batch_size_statements_count')}",
                    "mean",
                ),
                query(
                    "B",
                    "histogram_quantile(0.95, "
                    f"{rate('ceasefire_inference_batch_size_statements_bucket', by='le')})",
                    "p95",
                ),
            ],
        ),
        graph(
            "Inference batch latency",
            "Wall time of one model call, tokenisation included.",
            "s",
            quantiles("ceasefire_inference_batch_latency_seconds_bucket", "", ""),
        ),
    ]
    return [
        ("Overview", overview),
        ("Flow", flow),
        ("Dead letters", dead_letters),
        ("Latency", latency),
        ("Inference", inference),
    ]


def build() -> dashboard.Dashboard:
    """The whole dashboard, panel ids numbered in order so the JSON is stable."""
    builder = (
        dashboard_builder.Dashboard("ceasefire-watch")
        .uid(UID)
        .description(
            "Streaming ceasefire statement monitor: throughput, stances, latency, dead letters, lag."
        )
        .tags(["ceasefire-watch", "beam", "kafka"])
        .time("now-1h", "now")
        .refresh("30s")
        .timezone("browser")
        .tooltip(dashboard.DashboardCursorSync.CROSSHAIR)
        .with_variable(
            dashboard_builder.DatasourceVariable("datasource").label("Data source").type("prometheus")
        )
    )
    panel_id = 0
    for title, row_panels in rows():
        panel_id += 1
        builder = builder.with_row(dashboard_builder.Row(title).id(panel_id))
        for panel in row_panels:
            panel_id += 1
            builder = builder.with_panel(panel.id(panel_id))
    return builder.build()


def render() -> str:
    """The dashboard as the JSON Grafana provisions, sorted and indented for readable diffs."""
    return JSONEncoder(sort_keys=True, indent=2, ensure_ascii=False).encode(build()) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if the committed JSON differs")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = OUTPUT.read_text("utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is stale: run deploy/grafana/generate.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, "utf-8")
    print(OUTPUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
