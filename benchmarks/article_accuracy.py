"""Article-level judgment: run `ceasefire-watch backfill` on gold articles and score what it alerts.

Usage: python benchmarks/article_accuracy.py [--gold FILE ...]

Each gold line is an article with its expected statements (exact substrings) and their stances;
articles with no expected statement and conflict `none` are figurative truces. A gold statement is
found when an alert's span overlaps it by at least half of the shorter; found with the right
stance when that alert's stance equals the gold one. False alerts are alerts on figurative
articles. Defaults: the project's gold set and the blind attribution set.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from ceasefire_watch.model.articles import overlaps

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_GOLD = [
    ROOT / "data" / "eval" / "statements-gold.jsonl",
    ROOT / "data" / "blind" / "attribution-articles.jsonl",
]


def _as_article(gold: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": gold["id"],
        "url": f"https://example.org/{gold['id']}",
        "title": gold.get("title", ""),
        "text": gold["text"],
        "source": gold.get("source", "Gold"),
        "published_at": "2025-01-01T00:00:00Z",
        "language": "en",
    }


def score(gold_path: Path) -> dict[str, Any]:
    """Backfill the gold articles and compare the alerts with the expected statements."""
    articles = [json.loads(line) for line in gold_path.read_text("utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "articles.jsonl").write_text(
            "".join(json.dumps(_as_article(a), ensure_ascii=False) + "\n" for a in articles), "utf-8"
        )
        command = [sys.executable, "-m", "ceasefire_watch", "backfill"]
        command += ["--input", str(folder / "articles.jsonl"), "--output", str(folder / "alerts.jsonl")]
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        lines = (folder / "alerts.jsonl").read_text("utf-8").splitlines()
    alerts = [json.loads(line) for line in lines if line.strip()]
    statements = [a for a in alerts if a["type"] == "statement"]
    expected = found = right_stance = false_alerts = figurative = 0
    for article in articles:
        mine = [a for a in statements if a["article"]["id"] == article["id"]]
        if not article["statements"] and article.get("conflict") == "none":
            figurative += 1
            false_alerts += len(mine)
            continue
        cursor = 0
        for gold in article["statements"]:
            start = article["text"].find(gold["text"], cursor)
            cursor = max(cursor, start + 1)
            span = (start, start + len(gold["text"]))
            expected += 1
            hits = [a for a in mine if overlaps(span, (a["statement"]["start"], a["statement"]["end"]))]
            found += bool(hits)
            right_stance += any(a["stance"]["label"] == gold["stance"] for a in hits)
    return {
        "gold": gold_path.name,
        "articles": len(articles),
        "expected_statements": expected,
        "found": found,
        "found_with_right_stance": right_stance,
        "figurative_articles": figurative,
        "alerts_on_figurative_articles": false_alerts,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--gold", type=Path, nargs="+", default=DEFAULT_GOLD)
    args = parser.parse_args(argv)
    for path in args.gold:
        print(json.dumps(score(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
