"""Routes into other tools: doc snippets, Jupyter, Sphinx and MkDocs."""
