"""missing-timeout: urllib.request.urlopen to a peer that never answers."""

import time
import urllib.request


def fetch(url):
    with urllib.request.urlopen(url) as fh:
        return fh.read()


async def main(base_url, n):
    start = time.monotonic()
    try:
        fetch(f"{base_url}/hang")
        error = None
    except Exception as exc:
        error = f"{type(exc).__module__}.{type(exc).__qualname__}"
    return {"error": error, "elapsed": time.monotonic() - start}
