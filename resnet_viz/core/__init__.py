"""Making the trace: the model, one recorded forward pass, the data-flow graph and the structure read from it."""
