"""One click command per module; cli.py imports and registers them on `resnet_viz.cli.main`.

Modules here import only click and resnet_viz's torch-free modules at import time.
"""
