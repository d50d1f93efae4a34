"""Run a command and write its peak RSS (KiB, ``ru_maxrss`` of its process tree) to a file.

Usage: python bench/rss_wrapper.py OUT_FILE -- COMMAND [ARGS...]

Why a wrapper: Linux keeps a process's ``ru_maxrss`` across ``exec``, so a child forked
straight from the (large) benchmark process would report at least the benchmark's own size.
Forked from this small interpreter instead, the error is bounded by this wrapper's ~10 MB.
Standard streams are inherited; the exit status is the command's.
"""

import resource
import subprocess
import sys


def main() -> None:
    """Run, wait, record, exit with the command's status."""
    out_file, separator, *cmd = sys.argv[1:]
    if separator != "--" or not cmd:
        raise SystemExit(__doc__)
    code = subprocess.call(cmd)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(out_file, "w") as fh:
        fh.write(str(peak_kib))
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
