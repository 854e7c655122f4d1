"""PyTorch's view of dead units in the committed Fashion-MNIST CNN, the reference that the
`inspect` tests check fusegraph against (CI never runs Python; this file's output is committed).

    /usr/bin/python3 examples/fashion-mnist/cnn_dead_units.py    # writes cnn_dead_units.json

Loads cnn.onnx's initializers into train_cnn.py's nn.Sequential (the names match its
state_dict), runs the sample images (pixels / 255) and records, per ReLU, the output channels
(or features) never active (pre-activation > 0 nowhere, on no image) and, for conv channels,
how many of the H·W positions never fire. Done for the first 10 images (what the fast test
uses) and for all 1000.
"""

import gzip
import json
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from train_cnn import model

HERE = Path(__file__).parent


def pre_activations(net, x):
    """The input of every nn.ReLU, keyed by its index in the Sequential."""
    pre = {}
    with torch.no_grad():
        h = x
        for i, layer in enumerate(net):
            if isinstance(layer, nn.ReLU):
                pre[i] = h.clone()
            h = layer(h)
    return pre


def dead(z):
    active = z > 0
    if z.dim() == 2:
        return {"never_active": (~active.any(dim=0)).nonzero().flatten().tolist()}
    channels = active.transpose(0, 1).reshape(z.shape[1], -1)
    return {
        "never_active": (~channels.any(dim=1)).nonzero().flatten().tolist(),
        "dead_positions": (~active.any(dim=0)).reshape(z.shape[1], -1).sum(dim=1).tolist(),
    }


def main():
    net = model()
    weights = onnx.load(str(HERE / "cnn.onnx")).graph.initializer
    net.load_state_dict({i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in weights})
    with gzip.open(HERE / "sample-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    result = {"torch": torch.__version__}
    for count in (10, len(x)):
        pre = pre_activations(net, x[:count])
        result[f"first_{count}"] = {f"relu_{i}": dead(z) for i, z in pre.items()}
    (HERE / "cnn_dead_units.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
