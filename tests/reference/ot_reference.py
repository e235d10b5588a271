#!/usr/bin/python3
"""Reference exact optimal-transport costs for difflab's metrics tests.

Usage: ot_reference.py OUT.json X1.csv Y1.csv [X2.csv Y2.csv ...]
Each X.csv, Y.csv: one particle per row (comma-separated, no header), uniform weights 1/n, 1/m.
Writes {"w2_squared": [ot.emd2(a, b, M) for each pair]} with M the squared Euclidean cost
(POT's exact network simplex, independent of difflab's LEMON-based solver).
Exit code 77 when numpy or POT cannot be imported (the test then skips).
"""
import json
import sys

# POT probes optional GPU/autodiff backends at import (torch alone takes seconds to load); only
# the numpy backend is used here, so keep the others out.
for _name in ("torch", "jax", "cupy", "tensorflow"):
    sys.modules.setdefault(_name, None)

try:
    import numpy as np
    import ot
except ImportError as error:
    print(f"ot_reference.py: {error}", file=sys.stderr)
    sys.exit(77)


def main():
    out, files = sys.argv[1], sys.argv[2:]
    costs = []
    for xf, yf in zip(files[0::2], files[1::2]):
        x = np.loadtxt(xf, delimiter=",", ndmin=2)
        y = np.loadtxt(yf, delimiter=",", ndmin=2)
        a = np.full(x.shape[0], 1.0 / x.shape[0])
        b = np.full(y.shape[0], 1.0 / y.shape[0])
        M = ot.dist(x, y, metric="sqeuclidean")
        costs.append(float(ot.emd2(a, b, M, numItermax=10**8)))
    with open(out, "w") as f:
        json.dump({"w2_squared": costs}, f)


if __name__ == "__main__":
    main()
