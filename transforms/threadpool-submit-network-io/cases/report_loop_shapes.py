# corral-case: target=py311
"""Futures read in ways corral does not move: stopping early, polling, handing them on."""

from concurrent.futures import ThreadPoolExecutor, as_completed, wait
from multiprocessing.pool import ThreadPool

import requests


def first_ok(urls):
    with ThreadPoolExecutor(4) as pool:
        futures = {pool.submit(requests.get, u, timeout=5): u for u in urls}
        for fut in as_completed(futures):
            if fut.result().ok:
                break


def polled(urls):
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(requests.get, u, timeout=5) for u in urls]
        while not all(f.done() for f in futures):
            pass
    return futures


def waited(urls):
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(requests.get, u, timeout=5) for u in urls]
        done, _ = wait(futures)
    return [f.result() for f in done]


def with_deadline(urls):
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(requests.get, u, timeout=5) for u in urls]
        for fut in as_completed(futures, timeout=30):
            print(fut.result().status_code)


def fire_and_forget(urls):
    pool = ThreadPoolExecutor(4)
    for u in urls:
        pool.submit(requests.get, u, timeout=5)
    print("submitted")


def with_callback(urls, done):
    with ThreadPool(4) as pool:
        results = [pool.apply_async(requests.get, (u,), callback=done) for u in urls]
        return [r.get() for r in results]


if __name__ == "__main__":
    first_ok([])
