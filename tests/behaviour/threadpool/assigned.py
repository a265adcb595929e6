"""threadpool-submit-network-io: an executor that is not a `with` block, futures appended in a
loop and read in order, then the executor shut down."""

from concurrent.futures import ThreadPoolExecutor

import requests


def fetch(url):
    resp = requests.get(url)
    return resp.status_code, resp.text


def main(base_url, n):
    executor = ThreadPoolExecutor(max_workers=5)
    futures = []
    for i in range(n):
        futures.append(executor.submit(fetch, f"{base_url}/users/{i}"))
    results = [f.result()[0] for f in futures]
    executor.shutdown(wait=True)
    return results


if __name__ == "__main__":
    import sys

    print(main(sys.argv[1], 10))
