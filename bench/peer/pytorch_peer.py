#!/usr/bin/python3
"""The plain PyTorch peer: the homework's training loop as a student writes it.

nn.Sequential(Linear(d, p), ReLU, Linear(p, 1)), DataLoader(TensorDataset, batch_size=100,
shuffle=True), Adam, MSELoss, train and validation loss every 10 epochs, labels normalized with
the train mean and std. Torch's thread settings are left at their defaults (what a student has).

  pytorch_peer.py --data dataset.pt --epochs 1000 --lr 1e-3 --seed 0 [--runs N]
      N sequential runs (seeds seed .. seed+N-1) of one configuration.
  pytorch_peer.py --data dataset.pt --epochs 1000 --homework [--homework-runs 6,12,15,18,21]
      runs of the homework's 24 (index: 0-11 = lr 1e-5,1e-4,1e-3,1e-2 x seeds 0,1,2 on all
      training rows; 12-23 = n 100,200,500,1000 x seeds 0,1,2 at lr 1e-3), sequentially; the
      JSON also holds the time of the whole 24 estimated from the runs measured (each measured
      run stands for the runs of the same training size).

Prints one JSON object on stdout.
"""
import argparse
import json
import math
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

LRS = [1e-5, 1e-4, 1e-3, 1e-2]
SIZES = [100, 200, 500, 1000]
SEEDS = [0, 1, 2]


def homework_configs():
    """The homework's 24 runs as (lr, seed, train size or 0 for all)."""
    configs = [(lr, s, 0) for lr in LRS for s in SEEDS]
    configs += [(1e-3, s, n) for n in SIZES for s in SEEDS]
    return configs


def train_one(data, lr, seed, train_size, epochs, hidden, batch_size=100, eval_every=10):
    torch.manual_seed(seed)
    X_train, y_train = data["X_train"].float(), data["y_train"].float().reshape(-1)
    if train_size and train_size < len(y_train):
        idx = torch.randperm(len(y_train))[:train_size]
        X_train, y_train = X_train[idx], y_train[idx]
    X_val, y_val = data["X_val"].float(), data["y_val"].float().reshape(-1)
    X_test, y_test = data["X_test"].float(), data["y_test"].float().reshape(-1)
    mean, std = y_train.mean(), y_train.std()
    yn_train = ((y_train - mean) / std).unsqueeze(1)
    yn_val = ((y_val - mean) / std).unsqueeze(1)

    d = X_train.shape[1]
    model = nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    loader = DataLoader(TensorDataset(X_train, yn_train), batch_size=batch_size, shuffle=True)

    train_losses, val_losses = [], []
    steps = 0
    start, cpu0 = time.perf_counter(), time.process_time()
    for epoch in range(1, epochs + 1):
        model.train()
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            steps += 1
        if epoch % eval_every == 0 or epoch == epochs:
            model.eval()
            with torch.no_grad():
                train_losses.append(loss_fn(model(X_train), yn_train).item())
                val_losses.append(loss_fn(model(X_val), yn_val).item())
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    with torch.no_grad():
        pred = model(X_test).squeeze(1) * std + mean
    test_rmse = torch.sqrt(torch.mean((pred - y_test) ** 2)).item()
    return {
        "lr": lr,
        "seed": seed,
        "train_size": len(y_train),
        "seconds": seconds,
        "cpu_seconds": cpu,
        "steps": steps,
        "ms_per_step": 1000.0 * seconds / steps,
        "final_val_loss": val_losses[-1],
        "test_rmse_kcal": test_rmse,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--epochs", type=int, default=1000)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--runs", type=int, default=1, help="sequential runs of one configuration")
    ap.add_argument("--hidden", type=int, default=1000)
    ap.add_argument("--homework", action="store_true", help="runs of the homework's 24")
    ap.add_argument("--homework-runs", default="6,12,15,18,21",
                    help="indices of the homework's runs to measure (default: one per training size)")
    args = ap.parse_args()

    data = torch.load(args.data)
    runs = []
    if args.homework:
        configs = homework_configs()
        chosen = [int(i) for i in args.homework_runs.split(",")]
        for i in chosen:
            lr, seed, n = configs[i]
            r = train_one(data, lr, seed, n, args.epochs, args.hidden)
            r["index"] = i
            runs.append(r)
        # Each measured run stands for every run of the 24 with the same training size.
        rows_full = len(data["y_train"])
        size_of = lambda cfg: cfg[2] if cfg[2] else rows_full  # noqa: E731
        measured = {}
        for r in runs:
            measured.setdefault(r["train_size"], []).append(r["seconds"])
        estimate = 0.0
        for cfg in configs:
            n = size_of(cfg)
            if n not in measured:
                raise SystemExit(f"no measured run has training size {n}: add one to --homework-runs")
            estimate += sum(measured[n]) / len(measured[n])
        steps_total = sum(args.epochs * math.ceil(size_of(c) / 100) for c in configs)
        steps_measured = sum(r["steps"] for r in runs)
        seconds = sum(r["seconds"] for r in runs)
        cpu = sum(r["cpu_seconds"] for r in runs)
        out = {
            "peer": "pytorch",
            "workload": "homework",
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "epochs": args.epochs,
            "runs_measured": chosen,
            "fraction_of_steps": steps_measured / steps_total,
            "seconds": seconds,
            "cpu_seconds": cpu,
            "steps": steps_measured,
            "ms_per_step": 1000.0 * seconds / steps_measured,
            "homework_steps": steps_total,
            "homework_seconds_estimate": estimate,
            "runs": runs,
        }
    else:
        for k in range(args.runs):
            runs.append(train_one(data, args.lr, args.seed + k, 0, args.epochs, args.hidden))
        seconds = sum(r["seconds"] for r in runs)
        steps = sum(r["steps"] for r in runs)
        cpu = sum(r["cpu_seconds"] for r in runs)
        out = {
            "peer": "pytorch",
            "workload": "single",
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "epochs": args.epochs,
            "seconds": seconds,
            "cpu_seconds": cpu,
            "steps": steps,
            "ms_per_step": 1000.0 * seconds / steps,
            "final_val_loss": runs[-1]["final_val_loss"],
            "test_rmse_kcal": runs[-1]["test_rmse_kcal"],
            "runs": runs,
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
