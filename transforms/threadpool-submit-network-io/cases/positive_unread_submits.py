# corral-case: target=py311
"""Submits whose futures nothing reads: the pool only waits for them."""

from concurrent.futures import ThreadPoolExecutor

import requests


def download(url, path):
    resp = requests.get(url, timeout=30)
    with open(path, "wb") as f:
        f.write(resp.content)


def download_all(urls):
    with ThreadPoolExecutor(max_workers=8) as executor:
        for i, url in enumerate(urls):
            executor.submit(download, url, f"{i}.html")


if __name__ == "__main__":
    download_all(["https://example.com"])
