"""blocking-wait-without-timeout: waiting on a thread-pool future whose request never returns."""

import time
from concurrent.futures import ThreadPoolExecutor

import requests


def run(base_url):
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(requests.get, f"{base_url}/hang")
    return future.result()


async def main(base_url, n):
    start = time.monotonic()
    try:
        run(base_url)
        error = None
    except Exception as exc:
        error = f"{type(exc).__module__}.{type(exc).__qualname__}"
    return {"error": error, "elapsed": time.monotonic() - start}
