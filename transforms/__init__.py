"""Composite PTransforms of the ceasefire-watch pipeline, one module per stage."""
