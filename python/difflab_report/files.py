"""Atomic file writes, so an interrupted render never leaves a truncated PNG, JSON or HTML file."""
import os
import tempfile


def write_atomic(path, data):
    """Write bytes to path via a temporary in the same directory (os.replace is atomic there)."""
    directory = os.path.dirname(os.path.abspath(path))
    prefix = "." + os.path.basename(path) + "."
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _umask():
    """The process umask: mkstemp creates 0600 files, the result should look like any other."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
