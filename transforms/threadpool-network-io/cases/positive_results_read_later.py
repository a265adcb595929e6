# corral-case: target=py311
"""A map's results read later in the block, and a worker bound to a partial first."""

import functools
import sys
from concurrent.futures import ThreadPoolExecutor

import requests


def fetch(url):
    return requests.get(url, timeout=5).status_code


def fetch_plain(base, uid):
    return requests.get(f"{base}/users/{uid}", timeout=5).status_code


def report(urls):
    ok = 0
    with ThreadPoolExecutor(max_workers=3) as ex:
        results = ex.map(fetch, urls)
        for status in results:
            print(status)
            ok += status == 200
    return ok


def by_id(base, ids):
    worker = functools.partial(fetch_plain, base)
    with ThreadPoolExecutor(max_workers=3) as ex:
        return list(ex.map(worker, ids))


if __name__ == "__main__":
    print(report(sys.argv[1:]), by_id("https://api.example.com", range(3)))
