"""threadpool-network-io: a script that maps requests over a thread pool of 4."""

from concurrent.futures import ThreadPoolExecutor

import requests


def fetch_profile(url):
    resp = requests.get(url)
    resp.raise_for_status()
    return resp.json()


def fetch_all(urls):
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(fetch_profile, urls))


def describe(exc):
    """The exception's type, and for a group the types inside it."""
    name = f"{type(exc).__module__}.{type(exc).__qualname__}"
    if isinstance(exc, BaseExceptionGroup):
        inner = sorted({f"{type(e).__module__}.{type(e).__qualname__}" for e in exc.exceptions})
        return f"{name}[{', '.join(inner)}]"
    return name


def main(base_url, n):
    good = fetch_all([f"{base_url}/users/{i}" for i in range(n) if i % 7])
    try:
        fetch_all([f"{base_url}/users/{i}" for i in range(n)])
        failed = None
    except Exception as exc:
        failed = describe(exc)
    return {"good": good, "failed": failed}


if __name__ == "__main__":
    import sys

    print(main(sys.argv[1], 10))
