"""One click command per module, registered on `resnet_viz.cli.main` at the end of cli.py.

Modules here import only click and resnet_viz's torch-free modules at import time.
"""
