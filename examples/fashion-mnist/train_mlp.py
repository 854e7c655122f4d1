"""Trains the seed article's MLP (784 -> 128 -> 10) on Fashion-MNIST three times, with ReLU,
LeakyReLU(0.01) and PReLU(128) as the hidden activation, and exports each to ONNX.

Needs Debian's python3-torch (1.13) and dataset-fashion-mnist; runs in about a minute on 2 cores:

    /usr/bin/python3 examples/fashion-mnist/train_mlp.py examples/fashion-mnist

Inputs are pixels / 255 (no mean/std normalisation), so the natural input box is [0,1]^784.
The learning rate is deliberately high (Adam 1e-2): that is the regime in which ReLU units die,
which is what `fusegraph inspect` is meant to show. Writes OUT_DIR/mlp_{relu,leaky_relu,prelu}.onnx
(input `x` f32[N,784], output `logits` f32[N,10]), a sample of the first 1000 test images and
labels in IDX format (gzipped, uint8: use `--scale 1/255`), and OUT_DIR/train_results.json with
the test accuracy and, per model, the hidden units PyTorch finds never active on the full test set
and on the sample (a cross-check for fusegraph's own counts).
"""

import gzip
import json
import struct
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

DATA = Path("/usr/share/datasets/fashion-mnist")
SAMPLE = 1000


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, = struct.unpack(">I", raw[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def write_idx_gz(path, array):
    header = struct.pack(">I", 0x0800 | array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    # mtime=0 keeps the committed file byte-identical across runs.
    with gzip.GzipFile(str(path), "wb", mtime=0) as f:
        f.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def make_model(activation):
    act = {"relu": nn.ReLU(), "leaky_relu": nn.LeakyReLU(0.01), "prelu": nn.PReLU(128, init=0.25)}[activation]
    return nn.Sequential(nn.Linear(784, 128), act, nn.Linear(128, 10))


def train(activation, x_train, y_train, epochs=4, batch=128, lr=1e-2):
    torch.manual_seed(0)
    model = make_model(activation)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(1)
    for _ in range(epochs):
        order = torch.randperm(x_train.shape[0], generator=gen)
        for start in range(0, x_train.shape[0], batch):
            idx = order[start:start + batch]
            opt.zero_grad()
            loss_fn(model(x_train[idx]), y_train[idx]).backward()
            opt.step()
    return model.eval()


def never_active(model, x):
    """Hidden units whose pre-activation is <= 0 on every row of x (ReLU output always 0)."""
    with torch.no_grad():
        pre = model[0](x)
    return [int(i) for i in torch.nonzero((pre > 0).sum(0) == 0).flatten()]


def main(out_dir):
    torch.set_num_threads(2)
    out_dir.mkdir(parents=True, exist_ok=True)
    x_train = torch.from_numpy(read_idx(DATA / "train-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255)
    y_train = torch.from_numpy(read_idx(DATA / "train-labels-idx1-ubyte.gz").astype(np.int64))
    test_images = read_idx(DATA / "t10k-images-idx3-ubyte.gz")
    test_labels = read_idx(DATA / "t10k-labels-idx1-ubyte.gz")
    x_test = torch.from_numpy(test_images.reshape(-1, 784).astype(np.float32) / 255)
    y_test = torch.from_numpy(test_labels.astype(np.int64))

    write_idx_gz(out_dir / "sample-images-idx3-ubyte.gz", test_images[:SAMPLE])
    write_idx_gz(out_dir / "sample-labels-idx1-ubyte.gz", test_labels[:SAMPLE])

    results = {"torch": torch.__version__, "sample": SAMPLE, "models": {}}
    for activation in ("relu", "leaky_relu", "prelu"):
        started = time.time()
        model = train(activation, x_train, y_train)
        with torch.no_grad():
            accuracy = float((model(x_test).argmax(1) == y_test).float().mean())
        dead_test = never_active(model, x_test)
        dead_sample = never_active(model, x_test[:SAMPLE])
        torch.onnx.export(
            model, (x_test[:1],), str(out_dir / f"mlp_{activation}.onnx"),
            input_names=["x"], output_names=["logits"],
            dynamic_axes={"x": {0: "N"}, "logits": {0: "N"}}, opset_version=13,
        )
        results["models"][activation] = {
            "test_accuracy": round(accuracy, 4),
            "never_active_on_test": dead_test,
            "never_active_on_sample": dead_sample,
            "train_seconds": round(time.time() - started, 1),
        }
        print(f"{activation}: accuracy {accuracy:.4f}, {len(dead_test)} units never active on the test set, "
              f"{len(dead_sample)} on the sample ({time.time() - started:.0f} s)")
    (out_dir / "train_results.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent))
