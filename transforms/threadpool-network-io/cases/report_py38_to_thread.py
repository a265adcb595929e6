# corral-case: target=py38
"""Before 3.9 there is no asyncio.to_thread: network I/O that keeps its library is reported."""

from concurrent.futures import ThreadPoolExecutor

import requests

session = requests.Session()


def fetch_all(urls):
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(session.get, urls))


if __name__ == "__main__":
    fetch_all([])
