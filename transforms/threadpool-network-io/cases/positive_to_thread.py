# corral-case: target=py311 http-client=to-thread
from concurrent.futures import ThreadPoolExecutor

import requests


def fetch(url):
    return requests.get(url, timeout=3).json()


def fetch_all(urls):
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(fetch, urls))


def also_used(url):
    return fetch(url)


if __name__ == "__main__":
    print(fetch_all([]))
