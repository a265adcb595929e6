# corral-case: target=py311
import concurrent.futures

import requests

URLS = ["http://example.com/a", "http://example.com/b"]


def status(url):
    return requests.get(url).status_code


with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
    for url, code in zip(URLS, ex.map(status, URLS)):
        print(url, code)
print("done")
