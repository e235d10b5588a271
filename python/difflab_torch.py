"""difflab.torch_score: a PyTorch module as a difflab score model.

Pure Python, imported only when difflab.torch_score is called, so `import difflab` never imports
torch. The module is called under torch.no_grad() on a whole block of particles at once,

    module(x, tau) -> prediction,    x: (n, d) tensor, tau: (n,) tensor of the model time,

in `dtype` on `device`; its output is brought back to float64 numpy and converted to the score
by difflab (prediction "score" | "noise" | "data" | "velocity" | "flow", time "t" | "sigma" | "logsnr":
docs/theory.md 11.4). The module is used as it is (its train/eval mode and device are the
caller's: call module.eval() and module.to(device) first when that matters). The score declares
the rounding of `dtype` (torch.finfo(dtype).eps) as its precision: an optimised BLAS (OpenBLAS,
MKL) need not round a particle the same way in batches of different sizes, and the exact laws'
checks of a sampler's steps allow for that much.
"""
import numpy as np


def torch_score(module, *, target, prediction="score", time="t", process="ou", device="cpu",
                dtype=None, label="torch"):
    """A difflab.Score that evaluates `module` (see the module docstring)."""
    import torch  # here, not at import: difflab has no hard dependency on torch

    import difflab

    if not isinstance(module, torch.nn.Module) and not callable(module):
        raise ValueError("torch_score: module is neither a torch.nn.Module nor callable")
    dtype = torch.float32 if dtype is None else dtype
    dev = torch.device(device)

    def evaluate(x, tau):
        with torch.no_grad():
            xt = torch.as_tensor(np.ascontiguousarray(x), dtype=dtype, device=dev)
            tt = torch.as_tensor(tau, dtype=dtype, device=dev)
            out = module(xt, tt)
            if not isinstance(out, torch.Tensor):
                raise TypeError("the module returned %s, expected a tensor" % type(out).__name__)
            return out.detach().to(device="cpu", dtype=torch.float64).numpy()

    return difflab.Score.from_callable(evaluate, prediction=prediction, time=time,
                                       process=process, target=target, vector_time=True,
                                       label=label, precision=float(torch.finfo(dtype).eps))
