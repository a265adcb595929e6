# corral-case: target=py311
"""Thread pools of the multiprocessing package: map, imap and imap_unordered."""

from multiprocessing.dummy import Pool as ThreadPool
from multiprocessing.pool import ThreadPool as Threads

import requests


def fetch(url):
    return requests.get(url, timeout=10).status_code


def statuses(urls):
    pool = ThreadPool(4)
    results = pool.map(fetch, urls)
    pool.close()
    pool.join()
    return results


def in_order(urls):
    with Threads(processes=4) as pool:
        for code in pool.imap(fetch, urls):
            print(code)


def as_they_come(urls):
    with Threads(4) as pool:
        for code in pool.imap_unordered(fetch, urls):
            print(code)


if __name__ == "__main__":
    print(statuses([]))
