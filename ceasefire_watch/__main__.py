"""``python -m ceasefire_watch`` is the ``ceasefire-watch`` command."""

from ceasefire_watch.cli import main

main()
