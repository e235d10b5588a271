"""Runs the README's shell examples (every ```sh block) against a built difflab.

A newcomer pastes these commands as written, so they must run as written. Each command runs with
bash in one scratch directory, in README order (later examples read the files earlier ones
write), with `build/release/difflab` and a leading `difflab` replaced by the binary under test,
and `experiments/` linked from the repository. To keep the test near a minute on a shared
machine, a few sizes are shrunk by the substitutions in SHRINK (same options, smaller values);
the commands that cannot run here are in SKIP with the reason. A SHRINK or SKIP entry that
matches no README command is an error, so this list cannot drift from the README unnoticed.

Usage: readme_commands.py <difflab binary> [README.md]
"""
import os
import re
import subprocess
import sys
import tempfile
import time

# Commands not run, matched by a prefix of the command (after the binary's name is normalised to
# `difflab`), with the reason.
SKIP = {
    "scripts/setup": "installs packages and builds: the binary under test is that build; the "
    "`difflab demo` after it takes about 30 s alone and is tests/cli/demo.sh",
    "scripts/test": "runs the whole test suite, which includes this test",
}

# (command prefix, regex, replacement): shrinks a long run, keeping every option of the example.
SHRINK = [
    ("difflab sample --target t.json --score perturbed", r"--n 10000", "--n 500"),
    ("difflab train", r"--samples 10000", "--samples 500"),
    ("difflab train", r"--iters 2000", "--iters 20"),
    ("difflab train", r"--validate-every 200", "--validate-every 10"),
    ("difflab app sk", r"--n 1000", "--n 100"),
    ("difflab app z2", r"--n 1000", "--n 100"),
    ("difflab app gmm-learn", r"--n 4000 --d 20", "--n 400 --d 5"),
]


def commands(readme):
    """The commands of the ```sh blocks: continuation lines joined, comments dropped."""
    text = open(readme, encoding="utf-8").read()
    out = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M):
        block = block.replace("\\\n", " ")
        for line in block.splitlines():
            line = re.sub(r"(^|\s)#.*$", "", line).strip()
            if line:
                out.append(re.sub(r"\s+", " ", line))
    return out


def normalised(cmd):
    return re.sub(r"^build/release/difflab\b", "difflab", cmd)


def main():
    binary = os.path.abspath(sys.argv[1])
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.normpath(os.path.join(here, "..", "..", ".."))
    readme = sys.argv[2] if len(sys.argv) > 2 else os.path.join(repo, "README.md")
    cmds = commands(readme)
    failures = []
    if len(cmds) < 10:
        failures.append(f"only {len(cmds)} commands found in {readme}")
    used_skip, used_shrink = set(), set()
    with tempfile.TemporaryDirectory() as work:
        os.symlink(os.path.join(repo, "experiments"), os.path.join(work, "experiments"))
        for raw in cmds:
            cmd = normalised(raw)
            skip = next((p for p in SKIP if cmd.startswith(p)), None)
            if skip is not None:
                used_skip.add(skip)
                print(f"skip  {raw}\n      ({SKIP[skip]})")
                continue
            for k, (prefix, pattern, repl) in enumerate(SHRINK):
                if cmd.startswith(prefix) and re.search(pattern, cmd):
                    cmd = re.sub(pattern, repl, cmd)
                    used_shrink.add(k)
            # Every difflab of the command line (also after && or |) is the binary under test.
            shell = re.sub(r"(^|&&\s*|\|\s*|;\s*)difflab\b", lambda m: m.group(1) + binary, cmd)
            t0 = time.monotonic()
            r = subprocess.run(["bash", "-c", shell], cwd=work, capture_output=True, text=True,
                               stdin=subprocess.DEVNULL, timeout=120)
            dt = time.monotonic() - t0
            print(f"{'ok' if r.returncode == 0 else 'FAIL':5} {cmd}  [{dt:.1f} s]")
            if r.returncode != 0:
                err = (r.stderr.strip().splitlines() or ["(no stderr)"])[-1]
                failures.append(f"exit {r.returncode}: {raw}\n      {err}")
            # An example that names a bound shows it evaluated, not skipped for a missing input.
            elif (cmd.startswith("difflab bound") and "--papers" in cmd
                  and re.search(r"skipped(:|\": true)", r.stdout)):
                failures.append(f"a named bound is skipped: {raw}\n      {r.stdout.strip()}")
    for p in SKIP:
        if p not in used_skip:
            failures.append(f"SKIP entry '{p}' matches no README command")
    for k, (prefix, pattern, _) in enumerate(SHRINK):
        if k not in used_shrink:
            failures.append(f"SHRINK entry ({prefix!r}, {pattern!r}) matches no README command")
    for f in failures:
        print("FAIL:", f)
    if failures:
        print(f"{len(failures)} failures")
        return 1
    print(f"the README's {len(cmds)} shell commands run as written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
