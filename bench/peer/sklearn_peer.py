#!/usr/bin/python3
"""The scikit-learn peer: MLPRegressor with the homework's settings.

hidden (1000,), ReLU, adam, batch 100, no L2 penalty (alpha=0), no early stopping, reshuffled
every epoch, and tol=0 with n_iter_no_change larger than the epochs so that it runs every epoch.
Labels normalized with the train mean and std; float32 inputs. NumPy's BLAS threads are left at
their defaults (what a student has). sklearn does not report a validation loss during training:
the validation loss is computed once, at the end.

  sklearn_peer.py --data dataset.pt --epochs 1000 --lr 1e-3 --seed 0 [--runs N]

Prints one JSON object on stdout (same fields as pytorch_peer.py).
"""
import argparse
import json
import math
import time
import warnings

import numpy as np
import torch  # only to read dataset.pt
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor
import sklearn


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--epochs", type=int, default=1000)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--hidden", type=int, default=1000)
    args = ap.parse_args()

    data = torch.load(args.data)
    arr = lambda k: data[k].float().numpy()  # noqa: E731
    X_train, y_train = arr("X_train"), arr("y_train").reshape(-1)
    X_val, y_val = arr("X_val"), arr("y_val").reshape(-1)
    X_test, y_test = arr("X_test"), arr("y_test").reshape(-1)
    mean, std = y_train.mean(), y_train.std()
    yn_train = (y_train - mean) / std
    yn_val = (y_val - mean) / std

    runs = []
    for k in range(args.runs):
        model = MLPRegressor(hidden_layer_sizes=(args.hidden,), activation="relu", solver="adam",
                             batch_size=100, alpha=0.0, early_stopping=False,
                             learning_rate_init=args.lr, max_iter=args.epochs, shuffle=True,
                             tol=0.0, n_iter_no_change=args.epochs + 1,
                             random_state=args.seed + k)
        start, cpu0 = time.perf_counter(), time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_train, yn_train)
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu0
        steps = model.n_iter_ * math.ceil(len(yn_train) / 100)
        val_loss = float(np.mean((model.predict(X_val) - yn_val) ** 2))
        pred = model.predict(X_test) * std + mean
        runs.append({
            "seed": args.seed + k,
            "seconds": seconds,
            "cpu_seconds": cpu,
            "epochs_done": int(model.n_iter_),
            "steps": steps,
            "ms_per_step": 1000.0 * seconds / steps,
            "final_val_loss": val_loss,
            "test_rmse_kcal": float(np.sqrt(np.mean((pred - y_test) ** 2))),
            "dtype": str(model.coefs_[0].dtype),
        })
    seconds = sum(r["seconds"] for r in runs)
    steps = sum(r["steps"] for r in runs)
    cpu = sum(r["cpu_seconds"] for r in runs)
    print(json.dumps({
        "peer": "sklearn",
        "workload": "single",
        "sklearn": sklearn.__version__,
        "epochs": args.epochs,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "steps": steps,
        "ms_per_step": 1000.0 * seconds / steps,
        "final_val_loss": runs[-1]["final_val_loss"],
        "test_rmse_kcal": runs[-1]["test_rmse_kcal"],
        "runs": runs,
    }))


if __name__ == "__main__":
    main()
