# corral-case: target=py311
"""Responses handed back by the pool: read only as httpx reads them too (status, JSON), they move
to httpx; read through requests-only attributes (`.ok`, `.url` as a string), requests stays,
in threads, still bounded."""

import functools
from concurrent.futures import ThreadPoolExecutor, as_completed

import requests


def statuses(base_url, n):
    urls = [f"{base_url}/users/{i}" for i in range(n)]
    with ThreadPoolExecutor(max_workers=4) as ex:
        return [r.status_code for r in ex.map(requests.get, urls)]


def healthy(base_url, n):
    urls = [f"{base_url}/users/{i}" for i in range(n)]
    with ThreadPoolExecutor(max_workers=4) as ex:
        responses = list(ex.map(functools.partial(requests.get, timeout=5), urls))
    return [r.url.rsplit("/", 1)[1] for r in responses if r.ok]


def first_ids(base_url, n):
    with ThreadPoolExecutor(max_workers=4) as ex:
        futures = [ex.submit(requests.get, f"{base_url}/users/{i}") for i in range(n)]
        return sorted(f.result().json()["id"] for f in futures if f.result().status_code == 200)


def oks(base_url, n):
    found = []
    with ThreadPoolExecutor(max_workers=4) as ex:
        futures = {ex.submit(requests.get, f"{base_url}/users/{i}"): i for i in range(n)}
        for f in as_completed(futures):
            if f.result().ok:
                found.append(futures[f])
    return sorted(found)


def status_of(base_url, uid):
    return uid, requests.get(f"{base_url}/users/{uid}", timeout=5)


def answered(base_url, n):
    # The worker hands back (uid, response); the caller reads `.ok`: requests stays.
    with ThreadPoolExecutor(max_workers=4) as ex:
        pairs = ex.map(status_of, [base_url] * n, range(n))
        return sorted(uid for uid, resp in pairs if resp.ok)


def main(base_url, n):
    return {
        "statuses": statuses(base_url, n),
        "healthy": healthy(base_url, n),
        "first_ids": first_ids(base_url, n),
        "oks": oks(base_url, n),
        "answered": answered(base_url, n),
    }


if __name__ == "__main__":
    print(main("http://127.0.0.1:8000", 3))
