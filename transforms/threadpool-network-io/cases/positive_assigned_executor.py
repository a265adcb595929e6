# corral-case: target=py311
"""Executors that are not `with` blocks: shut down later, or never."""

import sys
from concurrent.futures import ThreadPoolExecutor

import requests


def title(url):
    resp = requests.get(url, timeout=10)
    return resp.text.split("<title>")[-1].split("</title>")[0]


def shut_down_later(urls):
    executor = ThreadPoolExecutor(max_workers=8)
    titles = list(executor.map(title, urls))
    executor.shutdown(wait=True)
    return titles


def never_shut_down(urls):
    executor = ThreadPoolExecutor(max_workers=8)
    titles = executor.map(title, urls)
    return {url: t for url, t in zip(urls, titles)}


# A script without a main guard: it runs its functions when it is run.
print(shut_down_later(sys.argv[1:]))
print(never_shut_down(sys.argv[1:]))
