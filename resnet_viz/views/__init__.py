"""Pure, torch-free derivations from a Trace that tables, drawings and reports share."""
