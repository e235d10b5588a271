#!/usr/bin/python3
"""Reference Gaussian distances for difflab's metrics tests.

Usage: gaussian_reference.py IN.json OUT.json
IN.json: {"m0": [...], "S0": [[...]], "m1": [...], "S1": [[...]]}
Writes KL(N0 || N1) and KL(N1 || N0) by the closed form with numpy (inverse, slogdet), and the
Bures W2 with scipy.linalg.sqrtm (a Schur-based matrix square root, independent of difflab's
eigendecomposition).
Exit code 77 when numpy or scipy cannot be imported (the test then skips).
"""
import json
import sys

try:
    import numpy as np
    from scipy.linalg import sqrtm
except ImportError as error:
    print(f"gaussian_reference.py: {error}", file=sys.stderr)
    sys.exit(77)


def kl(m0, S0, m1, S1):
    d = m0.shape[0]
    S1inv = np.linalg.inv(S1)
    dm = m1 - m0
    _, ld0 = np.linalg.slogdet(S0)
    _, ld1 = np.linalg.slogdet(S1)
    return 0.5 * (np.trace(S1inv @ S0) + dm @ S1inv @ dm - d + ld1 - ld0)


def w2(m0, S0, m1, S1):
    r1 = sqrtm(S1)
    cross = np.real(sqrtm(r1 @ S0 @ r1))
    val = np.sum((m0 - m1) ** 2) + np.trace(S0) + np.trace(S1) - 2.0 * np.trace(cross)
    return float(np.sqrt(max(val, 0.0)))


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    m0, m1 = np.array(spec["m0"], float), np.array(spec["m1"], float)
    S0, S1 = np.array(spec["S0"], float), np.array(spec["S1"], float)
    out = {"kl01": float(kl(m0, S0, m1, S1)), "kl10": float(kl(m1, S1, m0, S0)),
           "w2": w2(m0, S0, m1, S1)}
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
