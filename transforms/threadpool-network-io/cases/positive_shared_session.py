# corral-case: target=py311
"""threadpool-network-io: one requests.Session shared by the workers, handed to each call
through the map's iterables (`[session] * len(urls)`, `itertools.repeat(session)`)."""

import itertools
import sys
from concurrent.futures import ThreadPoolExecutor

import requests


def status(session, url):
    resp = session.get(url, timeout=5)
    return resp.status_code


def by_list(urls):
    with requests.Session() as session:
        session.headers["x-client"] = "corral-test"
        with ThreadPoolExecutor(max_workers=4) as ex:
            return list(ex.map(status, [session] * len(urls), urls))


def by_repeat(urls):
    session = requests.Session()
    with ThreadPoolExecutor(max_workers=4) as ex:
        return list(ex.map(status, itertools.repeat(session), urls))


if __name__ == "__main__":
    base, n = sys.argv[1], int(sys.argv[2])
    urls = [f"{base}/users/{i}" for i in range(n)]
    print(by_list(urls))
    print(by_repeat(urls))
