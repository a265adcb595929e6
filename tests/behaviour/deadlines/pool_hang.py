"""threadpool-network-io: a pool mapping requests with no timeout over a server that stops
answering. The original waits for ever; the rewrite's requests give up after --timeout."""

import time
from concurrent.futures import ThreadPoolExecutor

import requests


def fetch(url):
    return requests.get(url).status_code


def fetch_all(urls):
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(fetch, urls))


def innermost(exc):
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    return f"{type(exc).__module__}.{type(exc).__qualname__}"


def main(base_url, n):
    started = time.monotonic()
    try:
        fetch_all([f"{base_url}/hang", f"{base_url}/users/1"])
        error = None
    except Exception as exc:
        error = innermost(exc)
    return {"elapsed": time.monotonic() - started, "error": error}


if __name__ == "__main__":
    import sys

    print(main(sys.argv[1], 1))
