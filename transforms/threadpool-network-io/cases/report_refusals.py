# corral-case: target=py311
"""Thread pools doing network I/O that corral reports and leaves: what cannot move
without changing what the program does."""

import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import requests

local = threading.local()


def ok_worker(url):
    return requests.get(url, timeout=5).text


def setup_session():
    local.session = requests.Session()


def first_nonempty(urls):
    with ThreadPoolExecutor(4) as pool:
        for text in pool.map(ok_worker, urls):
            if text:
                return text
    return None


def in_processes(urls):
    with ProcessPoolExecutor(4) as pool:
        return list(pool.map(ok_worker, urls))


def with_initializer(urls):
    with ThreadPoolExecutor(4, initializer=setup_session) as pool:
        return list(pool.map(ok_worker, urls))


def generator(urls):
    with ThreadPoolExecutor(4) as pool:
        for text in pool.map(ok_worker, urls):
            yield text


def paced(urls):
    with ThreadPoolExecutor(4) as pool:
        results = pool.map(ok_worker, urls)
        time.sleep(1)
        return list(results)


def twice(urls):
    with ThreadPoolExecutor(4) as pool:
        results = pool.map(ok_worker, urls)
    first = next(results)
    return first, list(results)


def handled(urls):
    try:
        with ThreadPoolExecutor(4) as pool:
            return list(pool.map(ok_worker, urls))
    except requests.ConnectionError:
        return []


shared = ThreadPoolExecutor(8)


def through_shared(urls):
    return list(shared.map(ok_worker, urls))


if __name__ == "__main__":
    first_nonempty([])
