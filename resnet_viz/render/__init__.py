"""Renderers: pure functions of a Trace that return text or bytes; they never run a model or write files."""
