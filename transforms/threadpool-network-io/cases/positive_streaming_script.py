# corral-case: target=py311
from concurrent.futures import ThreadPoolExecutor as Pool

import requests


def title(url):
    try:
        resp = requests.get(url, params={"lang": "en"})
        resp.raise_for_status()
    except requests.HTTPError:
        return None
    return resp.text.split("<title>")[-1]


def crawl(urls, *, workers=4):
    seen = 0
    with Pool(max_workers=workers) as pool:
        for page in pool.map(title, urls):
            # Each result as it arrives, in input order.
            print(page)
    return seen


if __name__ == "__main__":
    crawl(["http://127.0.0.1:1/"])
