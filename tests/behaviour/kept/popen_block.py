"""blocking-wait-without-timeout must leave a wait inside `with Popen(...)` alone.

The block's exit waits for the child anyway; a timeout on `communicate()` would only turn a
healthy 1.5 s child into subprocess.TimeoutExpired.
"""

import subprocess
import sys
import time


def run_child():
    code = "import time; time.sleep(1.5); print('done')"
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as proc:
        out, _ = proc.communicate()
    return out.strip()


def main(base_url, n):
    start = time.monotonic()
    return {"out": run_child(), "slow": time.monotonic() - start > 1}
