# corral-case: target=py311
"""Loops over the futures as scripts write them: counting, keeping the last value,
appending futures in a loop and reading them in order."""

from concurrent.futures import ThreadPoolExecutor, as_completed

import requests


def count_ok(urls):
    count = 0
    with ThreadPoolExecutor(4) as pool:
        futures = {pool.submit(requests.get, u, timeout=5): u for u in urls}
        for fut in as_completed(futures):
            if fut.result().status_code == 200:
                count += 1
    return count


def last_status(urls):
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(requests.get, u, timeout=5) for u in urls]
        for fut in as_completed(futures):
            status = fut.result().status_code
    return status


def appended(urls):
    futures = []
    with ThreadPoolExecutor(4) as pool:
        for u in urls:
            futures.append(pool.submit(requests.get, u, timeout=5))
    return [f.result().status_code for f in futures]


if __name__ == "__main__":
    print(count_ok([]))
