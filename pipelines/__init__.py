"""Pipeline graphs: each module wires I/O composites around DetectCeasefireStatements."""
