"""threadpool-network-io: a script whose pool stands at the top of the module, its results
read as they come in a loop."""

import concurrent.futures
import sys

import requests

BASE, N = sys.argv[1], int(sys.argv[2])


def status(uid):
    return requests.get(f"{BASE}/users/{uid}").status_code


with concurrent.futures.ThreadPoolExecutor(max_workers=3) as ex:
    for uid, code in zip(range(N), ex.map(status, range(N))):
        print(uid, code)
print("done")
