"""Jinja2 templates and CSS of the HTML report (shipped in the wheel as resnet_viz.templates)."""
