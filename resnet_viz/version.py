"""The version, in the base layer so that every layer (the trace's provenance, the CLI, Sphinx) can read it."""

__version__ = "0.2.0"
