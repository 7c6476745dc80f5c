"""A user's model file for the --model benchmark rows: the same ResNet-50 the built-in path traces, built where
torch's default device says (as a plain `MyNet()` is), so resnet-viz can call it on the meta device for free."""

import torch

import resnet_viz


def build():
    return resnet_viz.build_resnet(50, device=torch.get_default_device())
