"""The CLI's error contract as a property over generated bad input.

For every command in BASES (a small run that succeeds), the options are read off the command's
own `--help` (so a new flag is covered without editing this file), and each option is given
values from a pool of bad ones (non-numbers, NaN, infinities, overflowing and negative numbers,
absurd sizes, directories, missing and unwritable paths). The experiment spec of `run` is
mutated the same way, key by key. Every case must:
  - exit 0 or 2 (never 1 = "internal error", never a signal, never a hang past TIMEOUT);
  - on exit 2, print exactly one line on stderr, without "internal error";
  - on exit 0, print no NaN or infinity in what it wrote (a silently wrong answer);
  - leave no temporary file (*.tmp.*) behind.
The cases are drawn from the full product with a fixed seed; DIFFLAB_PROPERTY_CASES=all runs
every one (about 2,000, a few minutes), a number runs that many.

usage: bad_input_property.py DIFFLAB_BINARY
"""

import json
import os
import random
import re
import subprocess
import sys
import tempfile

TIMEOUT = 60  # seconds per case; the base runs take well under one

TARGET_2D = {"type": "gmm", "weights": [0.4, 0.6], "means": [[-1, 0], [1, 0.5]], "vars": [0.3, 0.2]}
TARGET_1D = {"type": "gaussian", "mean": [0.5], "var": 2.0}

# Options that are not input to a run (help, listings) or that hand control to another program.
SKIP = {"--help", "-h", "--list", "--version", "--papers-list", "--json"}

INT_VALUES = ["-1", "0", "abc", "1.5", "1e10", "4294967306", "-9223372036854775809", ""]
REAL_VALUES = ["nan", "inf", "-inf", "1e999", "-1", "abc", "1e308", ""]
TEXT_VALUES = ["", "nonsense", "{dir}", "{dir}/missing.json", "/proc/x/y", "{dir}/bad.json", "1X"]

# Spec mutations: a key's value replaced by each of these.
SPEC_VALUES = [None, "nonsense", -1, 0, 4294967306, 1e300, [], {}, [1, "x"], True]


def bases(d):
    t2, t1 = f"{d}/t2.json", f"{d}/t1.json"
    return {
        "target": ["target", "--target", t2, "--t", "0.5", "--sample", "50", "--out", f"{d}/o.csv"],
        "sample": ["sample", "--target", t2, "--n", "100", "--steps", "10", "--out", f"{d}/o.csv"],
        "law": ["law", "--target", t1, "--sampler", "ei", "--steps", "10"],
        "grid optimize": ["grid", "optimize", "--target", t1, "--sampler", "ei", "--steps", "4",
                          "--out", f"{d}/g.txt"],
        "eval": ["eval", "--samples", f"{d}/s.csv", "--target", t2, "--metrics", "sw2,energy"],
        "bound": ["bound", "--target", t2, "--papers", "benton24", "--steps", "20"],
        "plan": ["plan", "--target", t1, "--metric", "kl", "--eps", "0.1"],
        "train": ["train", "--target", t2, "--samples", "200", "--iters", "5", "--width", "8",
                  "--depth", "1", "--batch", "16", "--out", f"{d}/m.dlm"],
        "app sk": ["app", "sk", "--n", "40", "--beta", "0.5", "--out", f"{d}/sk.json"],
        "app z2": ["app", "z2", "--n", "40", "--beta", "1.5", "--out", f"{d}/z2.json"],
    }


def write_inputs(d):
    with open(f"{d}/t2.json", "w") as f:
        json.dump(TARGET_2D, f)
    with open(f"{d}/t1.json", "w") as f:
        json.dump(TARGET_1D, f)
    with open(f"{d}/bad.json", "w") as f:
        f.write('{"type": "gaussian", "mean": [0, 0], "var": -1')
    rng = random.Random(0)
    with open(f"{d}/s.csv", "w") as f:
        for _ in range(200):
            f.write(f"{rng.gauss(0, 1):.6f},{rng.gauss(0, 1):.6f}\n")


def options_of(binary, command):
    """(flag, kind) of every option that takes a value, from `difflab COMMAND --help`."""
    text = subprocess.run([binary] + command.split() + ["--help"], capture_output=True,
                          text=True).stdout
    found = []
    for line in text.splitlines():
        m = re.match(r"\s+(?:-\w,)?(--[\w-]+)(?:\s+(\w+))?", line)
        if not m or m.group(1) in SKIP or not m.group(2):
            continue
        kind = m.group(2).upper()
        kind = "int" if kind == "INT" else "real" if kind in ("FLOAT", "FLOAT64", "DOUBLE", "NUMBER") else "text"
        found.append((m.group(1), kind))
    return found


def with_option(argv, flag, value):
    """argv with FLAG set to VALUE (replaced where present, appended otherwise)."""
    out = list(argv)
    if flag in out:
        out[out.index(flag) + 1] = value
    else:
        out += [flag, value]
    return out


def spec_cases(d):
    """Experiment specs with one value replaced, written to files; yields (label, argv)."""
    base = {
        "name": "p", "seed": 1,
        "base": {"target": TARGET_1D, "process": "ou", "score": "exact", "grid": "uniform",
                 "T": 5.0, "delta": 0.05, "n": 100, "sampler": "ei"},
        "sweep": {"mode": "grid", "axes": {"steps": [5, 10]}},
        "metrics": ["law", "sw2"],
        "fits": [{"metric": "sw2", "against": "steps"}],
    }
    paths = [("name",), ("seed",), ("base", "target"), ("base", "T"), ("base", "delta"),
             ("base", "n"), ("base", "sampler"), ("base", "grid"), ("base", "score"),
             ("sweep", "mode"), ("sweep", "axes", "steps"), ("metrics",), ("fits",)]
    k = 0
    for path in paths:
        for value in SPEC_VALUES:
            spec = json.loads(json.dumps(base))
            node = spec
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
            k += 1
            file = f"{d}/spec{k}.json"
            with open(file, "w") as f:
                json.dump(spec, f)
            yield f"spec {'.'.join(path)}={json.dumps(value)}", ["run", file, "--out", f"{d}/run{k}"]


def all_cases(binary, d):
    cases = []
    for name, argv in bases(d).items():
        for flag, kind in options_of(binary, name):
            pool = INT_VALUES if kind == "int" else REAL_VALUES if kind == "real" else TEXT_VALUES
            for value in pool:
                value = value.format(dir=d)
                cases.append((f"{name} {flag} {value!r}", with_option(argv, flag, value)))
    cases += list(spec_cases(d))
    return cases


NONFINITE = re.compile(r"(?<![\w.])-?(nan|inf|infinity)(?![\w])", re.IGNORECASE)


def written_nonfinite(d, before):
    """Files written by the case (not among BEFORE) holding a NaN or infinity token."""
    bad = []
    for root, _, files in os.walk(d):
        for name in files:
            path = os.path.join(root, name)
            if path in before or name.endswith((".dlm", ".npy", ".png", ".html")):
                continue
            with open(path, errors="replace") as f:
                if NONFINITE.search(f.read()):
                    bad.append(path)
    return bad


def check(binary, label, argv, d):
    before = {os.path.join(r, n) for r, _, fs in os.walk(d) for n in fs}
    env = dict(os.environ, OMP_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE")
    try:
        p = subprocess.run([binary] + argv, capture_output=True, text=True, timeout=TIMEOUT,
                           env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return f"{label}: no answer within {TIMEOUT} s"
    lines = p.stderr.strip("\n").split("\n") if p.stderr.strip() else []
    if p.returncode not in (0, 2):
        return f"{label}: exit {p.returncode}: {p.stderr.strip()[:300]}"
    if p.returncode == 2 and (len(lines) != 1 or "internal error" in p.stderr):
        return f"{label}: exit 2 with {len(lines)} stderr lines: {p.stderr.strip()[:300]}"
    if p.returncode == 0:
        if NONFINITE.search(p.stdout):
            return f"{label}: exit 0 but a NaN or infinity on stdout: {p.stdout[:300]}"
        bad = written_nonfinite(d, before)
        if bad:
            return f"{label}: exit 0 but a NaN or infinity in {bad[0]}"
    left = [os.path.join(r, n) for r, _, fs in os.walk(d) for n in fs if ".tmp." in n]
    if left:
        return f"{label}: left a temporary file {left[0]}"
    return None


def main():
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as d:
        write_inputs(d)
        inputs = {os.path.join(d, n) for n in os.listdir(d)}
        cases = all_cases(binary, d)
        want = os.environ.get("DIFFLAB_PROPERTY_CASES", "240")
        if want != "all" and int(want) < len(cases):
            cases = random.Random(20261206).sample(cases, int(want))
        failures = []
        for label, argv in cases:
            problem = check(binary, label, argv, d)
            if problem:
                failures.append(problem)
                print("FAIL:", problem)
            # Each case starts from the inputs alone.
            for root, dirs, files in os.walk(d, topdown=False):
                for name in files:
                    path = os.path.join(root, name)
                    if path not in inputs:
                        os.remove(path)
                for name in dirs:
                    os.rmdir(os.path.join(root, name))
        print(f"{len(cases) - len(failures)}/{len(cases)} generated bad inputs keep the error contract")
        sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
