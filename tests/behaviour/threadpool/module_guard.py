"""threadpool-network-io: a script whose pool stands under `if __name__ == "__main__":`, mapping
a partial of a worker that builds its URL with a helper."""

import functools
import sys
from concurrent.futures import ThreadPoolExecutor

import requests


def user_url(base, uid):
    return f"{base}/users/{uid}"


def fetch(base, uid):
    resp = requests.get(user_url(base, uid))
    if resp.status_code != 200:
        return None
    return resp.json()["id"]


if __name__ == "__main__":
    base, n = sys.argv[1], int(sys.argv[2])
    with ThreadPoolExecutor(max_workers=4) as ex:
        ids = list(ex.map(functools.partial(fetch, base), range(n)))
    for uid, got in zip(range(n), ids):
        print(uid, got)
    print("missing", sum(1 for i in ids if i is None))
