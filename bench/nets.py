"""A user's model file for the --model benchmark row: the same ResNet-50 the built-in path traces."""

import resnet_viz


def build():
    return resnet_viz.build_resnet(50)
