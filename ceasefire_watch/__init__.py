"""ceasefire-watch: stream news articles, find ceasefire statements, classify their stance."""

from ceasefire_watch.logs import quiet_library_warnings

__version__ = "0.1.0"

# Before Beam and transformers are imported by any submodule: they warn at import time.
quiet_library_warnings()
