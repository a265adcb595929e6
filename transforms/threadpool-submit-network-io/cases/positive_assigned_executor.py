# corral-case: target=py311
from concurrent.futures import ThreadPoolExecutor, as_completed

import requests


def download(url):
    return requests.get(url).content


def main(urls):
    executor = ThreadPoolExecutor(max_workers=8)
    futures = []
    for url in urls:
        futures.append(executor.submit(download, url))
    sizes = [len(f.result()) for f in futures]
    executor.shutdown(wait=True)
    return sizes


if __name__ == "__main__":
    print(main(["http://example.com"]))
