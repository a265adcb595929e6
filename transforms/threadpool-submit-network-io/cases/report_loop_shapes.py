# corral-case: target=py311
from concurrent.futures import ThreadPoolExecutor, as_completed

import requests


def first_ok(urls):
    with ThreadPoolExecutor(4) as pool:
        futures = {pool.submit(requests.get, u): u for u in urls}
        for fut in as_completed(futures):
            if fut.result().ok:
                break


def count_ok(urls):
    count = 0
    with ThreadPoolExecutor(4) as pool:
        futures = {pool.submit(requests.get, u): u for u in urls}
        for fut in as_completed(futures):
            count += 1
    return count


def last_status(urls):
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(requests.get, u) for u in urls]
        for fut in as_completed(futures):
            status = fut.result().status_code
    return status


if __name__ == "__main__":
    first_ok([])


def appended(urls):
    futures = []
    with ThreadPoolExecutor(4) as pool:
        for u in urls:
            futures.append(pool.submit(requests.get, u))
    return [f.result() for f in futures]
