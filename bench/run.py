"""Run every benchmark (bench/bench_*.py) in turn; `make bench` calls this.

Each benchmark prints its own figures; this runner adds a header per script and exits
non-zero if any of them failed. Record the figures in bench/RESULTS.md.
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"=== {script.name} ===", flush=True)
        started = time.monotonic()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False)
        print(f"=== {script.name}: exit {result.returncode}, {time.monotonic() - started:.0f} s\n")
        if result.returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
