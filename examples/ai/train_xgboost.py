#!/usr/bin/python3
"""Trains a small XGBoost model on features exported by `aitrading features` and writes what the
ai-orchestration service loads: the model (xgboost's own JSON), a manifest naming its features,
and the model's predictions on every row so that the C++ evaluator can be checked against them.

    aitrading features --data GOOG.csv --features "close,sma:10,rsi:14,macd:12:26:9" > f.csv
    /usr/bin/python3 examples/ai/train_xgboost.py --features f.csv --out models/trend

Target: 1 when the close `--horizon` bars later is above this bar's close (needs a `close`
column). The manifest also records the horizon and each feature's training distribution (mean,
standard deviation and deciles), which the service's monitoring compares live inputs with
(drift). Needs Debian's python3-xgboost and python3-numpy only.
"""
import argparse
import json
import os
import sys

import numpy as np
import xgboost as xgb


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--features", required=True, help="CSV from `aitrading features`")
    parser.add_argument("--out", required=True, help="folder for model.json, manifest.json, "
                                                     "predictions.csv")
    parser.add_argument("--name", default="xgb-trend")
    parser.add_argument("--version", default="1")
    parser.add_argument("--horizon", type=int, default=1)
    parser.add_argument("--trees", type=int, default=50)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with open(args.features) as f:
        header = f.readline().strip().split(",")
    if header[0] != "time" or "close" not in header:
        sys.exit(f"{args.features}: expected a `time` column first and a `close` column")
    columns = header[1:]
    # Empty cells (indicators not ready yet) read as NaN, which xgboost treats as missing.
    data = np.genfromtxt(args.features, delimiter=",", skip_header=1, usecols=range(1, len(header)),
                         dtype=np.float64, missing_values="", filling_values=np.nan, ndmin=2)
    close = data[:, columns.index("close")]
    future = np.roll(close, -args.horizon)
    labelled = np.arange(len(close)) < len(close) - args.horizon
    labels = (future > close).astype(np.float32)

    x = data.astype(np.float32)
    train = xgb.DMatrix(x[labelled], label=labels[labelled], feature_names=columns, missing=np.nan)
    params = {"objective": "binary:logistic", "max_depth": args.depth, "eta": 0.1,
              "subsample": 0.8, "seed": args.seed, "nthread": 1}
    booster = xgb.train(params, train, num_boost_round=args.trees)

    os.makedirs(args.out, exist_ok=True)
    booster.save_model(os.path.join(args.out, "model.json"))
    # Each input's distribution over the training rows (missing values left out): the deciles
    # cut it into ten equally likely bins, against which live drift is measured (PSI).
    training = {}
    for i, name in enumerate(columns):
        values = x[labelled][:, i].astype(np.float64)
        values = values[~np.isnan(values)]
        if values.size == 0:
            continue
        training[name] = {"mean": float(values.mean()), "std": float(values.std()),
                          "quantiles": [float(q) for q in np.quantile(values, np.linspace(0.1, 0.9, 9))]}
    manifest = {"name": args.name, "version": args.version, "kind": "xgboost",
                "file": "model.json", "features": columns, "output": "probability_up",
                "horizon": args.horizon, "training": {"features": training}}
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")

    every_row = xgb.DMatrix(x, feature_names=columns, missing=np.nan)
    predictions = booster.predict(every_row)
    with open(os.path.join(args.out, "predictions.csv"), "w") as f:
        f.write("row,prediction\n")
        for i, p in enumerate(predictions):
            f.write(f"{i},{float(p):.9g}\n")
    print(f"trained {args.trees} trees of depth {args.depth} on {int(labelled.sum())} rows x "
          f"{len(columns)} features; wrote {args.out}/model.json, manifest.json, predictions.csv")


if __name__ == "__main__":
    main()
