# corral-case: target=py311
"""Workers as scripts write them: nested functions, a partial of a worker, a lambda with
a chained call, a worker calling a pure URL builder."""

import functools
from concurrent.futures import ThreadPoolExecutor

import requests

BASE = "https://example.com"


def page_url(section, n):
    return f"{BASE}/{section}?page={n}"


def get_page(section, n):
    return requests.get(page_url(section, n), timeout=10).text


def pages(section, count):
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(functools.partial(get_page, section), range(count)))


def named_partial(section, count):
    fetch = functools.partial(get_page, section)
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(fetch, range(count)))


def nested(urls, token):
    def fetch(url):
        resp = requests.get(url, headers={"Authorization": token}, timeout=10)
        return resp.json()

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(fetch, urls))


def chained(urls):
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda u: requests.get(u, timeout=10).json()["id"], urls))


if __name__ == "__main__":
    print(pages("news", 3))
