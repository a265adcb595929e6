"""threadpool-network-io: a map with a timeout over calls that take longer."""

import time
from concurrent.futures import ThreadPoolExecutor

import requests


def fetch(url):
    return requests.get(url).status_code


def main(base_url, n):
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            codes = list(pool.map(fetch, [f"{base_url}/slow"] * 2, timeout=1))
        error = None
    except Exception as exc:
        codes = None
        error = f"{type(exc).__module__}.{type(exc).__qualname__}"
    return {"codes": codes, "error": error, "elapsed": time.monotonic() - started}


if __name__ == "__main__":
    import sys

    print(main(sys.argv[1], 1))
