"""threadpool-network-io and threadpool-submit-network-io: workers as scripts write them (a
nested function, a lambda with a chained call, a partial of a worker) and submits nobody
reads, whose work shows in a list they fill."""

import functools
from concurrent.futures import ThreadPoolExecutor

import requests


def get_id(base, uid):
    resp = requests.get(f"{base}/users/{uid}")
    return resp.json()["id"] if resp.status_code == 200 else None


def main(base_url, n):
    uids = range(n)

    def status(uid):
        return requests.get(f"{base_url}/users/{uid}").status_code

    with ThreadPoolExecutor(max_workers=3) as pool:
        codes = list(pool.map(status, uids))
    with ThreadPoolExecutor(max_workers=3) as pool:
        sizes = list(pool.map(lambda u: len(requests.get(f"{base_url}/users/{u}").text), uids))
    with ThreadPoolExecutor(max_workers=3) as pool:
        ids = list(pool.map(functools.partial(get_id, base_url), uids))
    seen = []

    def record(uid):
        seen.append(requests.get(f"{base_url}/users/{uid}").status_code)

    with ThreadPoolExecutor(max_workers=3) as pool:
        for uid in uids:
            pool.submit(record, uid)
    return {"codes": codes, "sizes": sizes, "ids": ids, "seen": sorted(seen)}


if __name__ == "__main__":
    import sys

    print(main(sys.argv[1], 10))
