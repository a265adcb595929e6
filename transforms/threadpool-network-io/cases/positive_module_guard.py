# corral-case: target=py311
import sys
from concurrent.futures import ThreadPoolExecutor

import requests


def fetch(url):
    resp = requests.get(url, timeout=10)
    resp.raise_for_status()
    return resp.json()


if __name__ == "__main__":
    urls = sys.argv[1:]
    with ThreadPoolExecutor(max_workers=5) as executor:
        results = list(executor.map(fetch, urls))
    for r in results:
        print(r)
