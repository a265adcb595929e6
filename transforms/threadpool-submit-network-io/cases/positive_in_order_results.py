# corral-case: target=py311
"""Futures read in submission order: after the pool, inside it, one at a time, with a
handler around each result."""

import concurrent.futures

import requests


def get_json(url):
    resp = requests.get(url, timeout=10)
    resp.raise_for_status()
    return resp.json()


def after_the_pool(urls):
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        futures = [ex.submit(get_json, u) for u in urls]
    return [f.result() for f in futures]


def inside_the_pool(urls):
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        futures = [ex.submit(get_json, u) for u in urls]
        for url, fut in zip(urls, futures):
            print(url, fut.result()["id"])
        total = sum(f.result()["size"] for f in futures)
    return total


def handled(urls):
    ok, failed = [], []
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        futures = {u: ex.submit(get_json, u) for u in urls}
        for url, fut in futures.items():
            try:
                ok.append(fut.result())
            except requests.HTTPError:
                failed.append(url)
    return ok, failed


def one_then_many(url, urls):
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        first = ex.submit(get_json, url)
        rest = [ex.submit(get_json, u) for u in urls]
        return first.result(), [f.result() for f in rest]


if __name__ == "__main__":
    print(after_the_pool([]))
