"""Development services, for the demo, the tests and the benchmarks: a local Kafka broker built
from Maven Central jars and the Prism runner built from the Go module proxy.

The runtime never imports this package (an import-linter contract holds it), and the wheel
leaves it out: these need a source checkout, Java, Maven and Go.
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLES_DIR = REPO_ROOT / "data" / "samples"
"""The demo's sample articles and malformed messages."""
