"""Writes the data of experiments/digits.json: scikit-learn's 8x8 handwritten digits (load_digits,
1,797 images, d = 64; shipped by Debian's python3-sklearn, nothing is downloaded), pixels scaled
from 0..16 to [0, 1], shuffled with a fixed seed and split into 1,500 training and 297 held-out
digits, as float64 .npy files (n x 64):

    experiments/data/digits_train.npy   the training split (the model's data, the empirical target)
    experiments/data/digits_test.npy    the held-out split (the reference of the sample metrics)

experiments/data/ is git-ignored: run this once before `difflab run experiments/digits.json`.
The split is the one of python/examples/digits_empirical.py (numpy's default_rng(0) permutation).
"""
import argparse
import os
import sys

import numpy as np
from sklearn.datasets import load_digits


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(here, "data"), help="directory (default: %(default)s)")
    ap.add_argument("--train", type=int, default=1500, help="training digits (the rest are held out)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    x = load_digits().data / 16.0
    if not 4 <= args.train <= len(x) - 4:
        sys.exit(f"digits_data.py: --train must be in [4, {len(x) - 4}], got {args.train}")
    perm = np.random.default_rng(args.seed).permutation(len(x))
    os.makedirs(args.out, exist_ok=True)
    for name, part in (("digits_train.npy", x[perm[:args.train]]), ("digits_test.npy", x[perm[args.train:]])):
        path = os.path.join(args.out, name)
        tmp = path + ".tmp.npy"
        np.save(tmp, np.ascontiguousarray(part, dtype="<f8"))
        os.replace(tmp, path)  # atomic: a reader never sees half a file
        print(f"{path}: {part.shape[0]} x {part.shape[1]}")


if __name__ == "__main__":
    main()
