"""CPU per article of each analysis step, in one process, on the benchmark workload.

The job's own DoFns run one after another as in `benchmarks/plain_loop.py`, without Kafka or a
runner, so the figure is the analysis alone: parse, lexicon, quotes and speakers, conflict
gazetteer, stance model. Use it to compare two versions of the text rules interleaved (run it
from each checkout in turn).

    .venv/bin/python -m benchmarks.stage_cost --relevant-share 0.1 --articles 400
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from typing import Any

from apache_beam.pvalue import TaggedOutput
from apache_beam.transforms.window import TimestampedValue

from benchmarks.plain_loop import analysis_steps
from benchmarks.workload import synthetic_articles
from ceasefire_watch.config import PipelineSettings
from ceasefire_watch.records import SourceRecord


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--relevant-share", type=float, default=0.1)
    parser.add_argument("--words", type=int, default=570)
    args = parser.parse_args()
    steps = analysis_steps(PipelineSettings())
    articles = synthetic_articles(args.articles, args.relevant_share, args.words, seed=7, prefix="cost")
    records = [
        SourceRecord(payload=json.dumps(article).encode(), topic="articles", partition=0, offset=offset)
        for offset, article in enumerate(articles)
    ]
    seconds: dict[str, float] = defaultdict(float)
    started = time.process_time()
    for record in records:
        elements: list[Any] = [record]
        for name, step in steps:
            step_started = time.process_time()
            produced = [item for element in elements for item in step(element)]
            seconds[name] += time.process_time() - step_started
            elements = [
                item.value if isinstance(item, TimestampedValue) else item
                for item in produced
                if not isinstance(item, TaggedOutput)
            ]
    total = time.process_time() - started
    report = {
        "articles": args.articles,
        "relevant_share": args.relevant_share,
        "articles_per_cpu_second": round(args.articles / total, 1),
        "cpu_ms_per_article": {
            name: round(value / args.articles * 1000, 2) for name, value in seconds.items()
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
