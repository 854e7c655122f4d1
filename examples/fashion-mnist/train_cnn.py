"""Trains the small Fashion-MNIST CNN for the demo page (issue 14) and exports it to ONNX.

    /usr/bin/python3 examples/fashion-mnist/train_cnn.py [OUT.onnx]

Debian's torch 1.13, data from /usr/share/datasets/fashion-mnist/*.gz, CPU only: three
epochs of a LeNet-like net, about 20 s each on 2 idle cores (several times that on a busy
machine). Writes
examples/fashion-mnist/cnn.onnx (input x: f32[N,1,28,28], grayscale pixels scaled to [0,1]
exactly as in the dataset, i.e. a light garment on a black background; output y: f32[N,10]
logits in the order of CLASSES) and prints the test accuracy on the 10,000 test images.
Seeded; on another machine or thread count the float rounding, and so the last digits of
the accuracy, may differ.
"""

import gzip
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

DATA = Path("/usr/share/datasets/fashion-mnist")
EPOCHS = 3
BATCH = 128
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def load(split):
    """The idx files: 16-byte header then uint8 pixels; 8-byte header then uint8 labels."""
    with gzip.open(DATA / f"{split}-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(DATA / f"{split}-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    return torch.from_numpy(images.astype(np.float32) / 255.0), torch.from_numpy(labels.astype(np.int64))


def model():
    """LeNet-5's layout with wider convs: no input normalization step is needed by callers,
    the first conv learns it."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),   # 16x14x14
        nn.Conv2d(16, 32, 5), nn.ReLU(), nn.MaxPool2d(2),             # 32x5x5
        nn.Flatten(),
        nn.Linear(32 * 5 * 5, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )


def accuracy(net, images, labels):
    net.eval()
    with torch.no_grad():
        predicted = torch.cat([net(images[i:i + 1000]).argmax(1) for i in range(0, len(images), 1000)])
    return (predicted == labels).float().mean().item()


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name("cnn.onnx"))
    torch.manual_seed(0)
    torch.set_num_threads(2)
    train_x, train_y = load("train")
    test_x, test_y = load("t10k")
    net = model()
    optimizer = torch.optim.Adam(net.parameters(), lr=2e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-3, total_steps=EPOCHS * ((len(train_x) + BATCH - 1) // BATCH))
    loss_fn = nn.CrossEntropyLoss()
    start = time.time()
    for epoch in range(EPOCHS):
        net.train()
        order = torch.randperm(len(train_x))
        for i in range(0, len(train_x), BATCH):
            batch = order[i:i + BATCH]
            optimizer.zero_grad()
            loss = loss_fn(net(train_x[batch]), train_y[batch])
            loss.backward()
            optimizer.step()
            schedule.step()
        print(f"epoch {epoch + 1}: last loss {loss.item():.4f}, test accuracy {accuracy(net, test_x, test_y):.4f}, "
              f"{time.time() - start:.0f} s")
    net.eval()
    torch.onnx.export(
        net, (test_x[:2],), str(out), input_names=["x"], output_names=["y"],
        dynamic_axes={"x": {0: "N"}, "y": {0: "N"}}, opset_version=13,
    )
    print(f"test accuracy {accuracy(net, test_x, test_y):.4f} on {len(test_x)} images; wrote {out} "
          f"({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
