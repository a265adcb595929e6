# corral-case: target=py311 http-client=to-thread
from concurrent.futures import ThreadPoolExecutor

import requests

session = requests.Session()
session.headers["Authorization"] = "token"


def fetch_all(urls):
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(session.get, urls))


if __name__ == "__main__":
    fetch_all([])
