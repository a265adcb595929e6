# corral-case: target=py311
"""apply_async of a multiprocessing thread pool, read with .get()."""

from multiprocessing.pool import ThreadPool

import requests


def fetch(url):
    return requests.get(url, timeout=10).text


def fetch_all(urls):
    with ThreadPool(processes=4) as pool:
        results = [pool.apply_async(fetch, (u,)) for u in urls]
        return [r.get() for r in results]


if __name__ == "__main__":
    print(fetch_all([]))
