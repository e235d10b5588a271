#!/usr/bin/python3
"""Reference runs of k-diffusion's samplers for difflab's sampler tests (numpy, no torch).

Usage: kdiffusion_reference.py IN.json OUT.json
IN.json: {"sampler": "dpm_2" | "lms" | "dpmpp_3m_sde",
          "eta": 0 or 1 (dpmpp_3m_sde only),
          "sigmas": [s_0 > s_1 > ... > s_N >= 0]   (variance-exploding noise levels),
          "mean": [...], "cov": [[...]]             (Gaussian target N(mean, cov)),
          "x": [[...], ...]                         (n x d start points, VE variables),
          "noise": [[[...]]]                        (N x n x d standard normals, SDE only)}
Writes {"x": [[...]]}: the n x d end points in VE variables.

The loops transcribe k-diffusion's k_diffusion/sampling.py (crowsonkb/k-diffusion):
sample_dpm_2 with s_churn = 0, sample_lms with order = 4 and linear_multistep_coeff (scipy's
quad, as there), sample_dpmpp_3m_sde with s_noise = 1 and the noise sampler replaced by the
given normals (noise[i] at step i). The denoiser is the exact one of the Gaussian target in VE
variables, D(x; s) = E[X_0 | X_0 + s Z = x] = mean + cov (cov + s^2 I)^{-1} (x - mean), written
here with numpy's solve, independently of difflab's score code.
Exit code 77 when numpy or scipy cannot be imported (the test then skips).
"""
import json
import math
import sys

try:
    import numpy as np
    from scipy import integrate
except ImportError as error:
    print(f"kdiffusion_reference.py: {error}", file=sys.stderr)
    sys.exit(77)


def make_denoiser(mean, cov):
    d = mean.shape[0]

    def model(x, sigma):  # x: n x d
        return mean + np.linalg.solve(cov + sigma**2 * np.eye(d), (x - mean).T).T @ cov.T

    return model


def to_d(x, sigma, denoised):
    return (x - denoised) / sigma


def sample_dpm_2(model, x, sigmas):
    for i in range(len(sigmas) - 1):
        sigma_hat = sigmas[i]  # gamma = 0 (no churn)
        denoised = model(x, sigma_hat)
        d = to_d(x, sigma_hat, denoised)
        if sigmas[i + 1] == 0:
            dt = sigmas[i + 1] - sigma_hat
            x = x + d * dt
        else:
            # sigma_hat.log().lerp(sigmas[i + 1].log(), 0.5).exp()
            log_a, log_b = math.log(sigma_hat), math.log(sigmas[i + 1])
            sigma_mid = math.exp(log_a + 0.5 * (log_b - log_a))
            dt_1 = sigma_mid - sigma_hat
            dt_2 = sigmas[i + 1] - sigma_hat
            x_2 = x + d * dt_1
            denoised_2 = model(x_2, sigma_mid)
            d_2 = to_d(x_2, sigma_mid, denoised_2)
            x = x + d_2 * dt_2
    return x


def linear_multistep_coeff(order, t, i, j):
    if order - 1 > i:
        raise ValueError(f"Order {order} too high for step {i}")

    def fn(tau):
        prod = 1.0
        for k in range(order):
            if j == k:
                continue
            prod *= (tau - t[i - k]) / (t[i - j] - t[i - k])
        return prod

    return integrate.quad(fn, t[i], t[i + 1], epsrel=1e-4)[0]


def sample_lms(model, x, sigmas, order=4):
    ds = []
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i])
        d = to_d(x, sigmas[i], denoised)
        ds.append(d)
        if len(ds) > order:
            ds.pop(0)
        cur_order = min(i + 1, order)
        coeffs = [linear_multistep_coeff(cur_order, sigmas, i, j) for j in range(cur_order)]
        x = x + sum(coeff * d for coeff, d in zip(coeffs, reversed(ds)))
    return x


def sample_dpmpp_3m_sde(model, x, sigmas, noise, eta=1.0, s_noise=1.0):
    denoised_1, denoised_2 = None, None
    h, h_1, h_2 = None, None, None
    for i in range(len(sigmas) - 1):
        denoised = model(x, sigmas[i])
        if sigmas[i + 1] == 0:
            x = denoised
        else:
            t, s = -math.log(sigmas[i]), -math.log(sigmas[i + 1])
            h = s - t
            h_eta = h * (eta + 1)
            x = math.exp(-h_eta) * x + (-math.expm1(-h_eta)) * denoised
            if h_2 is not None:
                r0 = h_1 / h
                r1 = h_2 / h
                d1_0 = (denoised - denoised_1) / r0
                d1_1 = (denoised_1 - denoised_2) / r1
                d1 = d1_0 + (d1_0 - d1_1) * r0 / (r0 + r1)
                d2 = (d1_0 - d1_1) / (r0 + r1)
                phi_2 = math.expm1(-h_eta) / h_eta + 1
                phi_3 = phi_2 / h_eta - 0.5
                x = x + phi_2 * d1 - phi_3 * d2
            elif h_1 is not None:
                r = h_1 / h
                d = (denoised - denoised_1) / r
                phi_2 = math.expm1(-h_eta) / h_eta + 1
                x = x + phi_2 * d
            if eta:
                x = x + noise[i] * sigmas[i + 1] * math.sqrt(-math.expm1(-2 * h * eta)) * s_noise
        denoised_1, denoised_2 = denoised, denoised_1
        h_1, h_2 = h, h_1
    return x


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    model = make_denoiser(np.array(spec["mean"], dtype=float), np.array(spec["cov"], dtype=float))
    sigmas = [float(s) for s in spec["sigmas"]]
    x = np.array(spec["x"], dtype=float)
    name = spec["sampler"]
    if name == "dpm_2":
        out = sample_dpm_2(model, x, sigmas)
    elif name == "lms":
        out = sample_lms(model, x, sigmas)
    elif name == "dpmpp_3m_sde":
        noise = np.array(spec.get("noise", []), dtype=float)
        out = sample_dpmpp_3m_sde(model, x, sigmas, noise, eta=float(spec["eta"]))
    else:
        print(f"kdiffusion_reference.py: unknown sampler {name}", file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[2], "w") as f:
        json.dump({"x": out.tolist()}, f)


if __name__ == "__main__":
    main()
