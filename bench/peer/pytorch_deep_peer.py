#!/usr/bin/python3
"""The plain PyTorch peer of the paper's network (Montavon et al. 2012), as a student writes it:
nn.Sequential(Linear(d, 400), STanh, Linear(400, 100), STanh, Linear(100, 1)) with
STanh(x) = 1.5 tanh(x / 1.5), SGD with one parameter group per layer (rate / sqrt(fan-in)), loss
1/2 the sum of squared errors, and the running average of the weights (lerp_ with
10 / (10 + step)) after every step. Same pool of inputs and batches (25) as qm7-deep-bench.

  pytorch_deep_peer.py --pool /tmp/qm7-deep-pool.f32 --d 1788 --steps 2000 [--threads N]

Prints one JSON object on stdout.
"""
import argparse
import json
import math
import time

import numpy as np
import torch
from torch import nn


class STanh(nn.Module):
    def forward(self, x):
        return 1.5 * torch.tanh(x / 1.5)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pool", required=True)
    ap.add_argument("--d", type=int, required=True)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=0, help="0 = torch's default")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    raw = np.fromfile(a.pool, dtype=np.float32)
    n = raw.size // (a.d + 1)
    X = torch.from_numpy(raw[: n * a.d].reshape(n, a.d).copy())
    y = torch.from_numpy(raw[n * a.d:].copy()).unsqueeze(1)
    B = 25
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(a.d, 400), STanh(), nn.Linear(400, 100), STanh(),
                          nn.Linear(100, 1))
    average = [p.detach().clone() for p in model.parameters()]
    linears = [m for m in model if isinstance(m, nn.Linear)]
    opt = torch.optim.SGD([{"params": m.parameters(), "lr": 0.01 / math.sqrt(m.in_features)}
                           for m in linears])

    def steps(count, first):
        for s in range(first, first + count):
            b = s % (n // B)
            xb, yb = X[b * B:(b + 1) * B], y[b * B:(b + 1) * B]
            opt.zero_grad()
            loss = 0.5 * ((model(xb) - yb) ** 2).sum()
            loss.backward()
            opt.step()
            with torch.no_grad():
                w = 10.0 / (10.0 + s + 1)
                for avg, p in zip(average, model.parameters()):
                    avg.lerp_(p, w)

    steps(50, 0)  # warm-up
    start, cpu0 = time.perf_counter(), time.process_time()
    steps(a.steps, 50)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    print(json.dumps({"step_ms": 1e3 * wall / a.steps, "step_cpu_ms": 1e3 * cpu / a.steps,
                      "steps": a.steps, "threads": torch.get_num_threads(),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
