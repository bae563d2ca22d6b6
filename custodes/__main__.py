"""`python -m custodes` and the `custodes` command (pyproject's entry point).

The command line loads click, rich and the command's stage module before it runs; a
Ctrl+C in that first fraction of a second stops it with click's "Aborted!" and exit
code 130 (the shell's code for an interrupt), instead of a Python traceback from inside
an import.
"""

from __future__ import annotations

import sys


def run() -> None:
    try:
        from custodes.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("\nAborted!\n")
        raise SystemExit(130) from None
    main()


if __name__ == "__main__":
    run()
