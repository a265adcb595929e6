# corral-case: target=py311
from concurrent.futures import ThreadPoolExecutor

import requests


def fetch_json(url):
    resp = requests.get(url, timeout=10)
    resp.raise_for_status()
    return resp.json()


def fetch_all(urls):
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(fetch_json, urls))


if __name__ == "__main__":
    import sys

    print(fetch_all(sys.argv[1:]))
