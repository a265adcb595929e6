# corral-case: target=py311
from concurrent.futures import ThreadPoolExecutor

import requests


def healthy(url):
    resp = requests.head(url)
    if not resp.ok:
        return False
    resp.raise_for_status()
    return resp.status_code


def check_all(urls):
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(healthy, urls))


if __name__ == "__main__":
    print(check_all([]))
