"""threadpool-network-io: the ways scripts read `ex.map`: a comprehension, a name read later, a
statement that reads nothing (its failures unseen), a loop doing several things."""

from concurrent.futures import ThreadPoolExecutor

import requests

BASE = None


def get_user(uid):
    resp = requests.get(f"{BASE}/users/{uid}")
    resp.raise_for_status()
    return resp.json()


def ping(uid):
    requests.get(f"{BASE}/users/{uid}").raise_for_status()


def ids(uids):
    with ThreadPoolExecutor(max_workers=3) as ex:
        return [user["id"] * 10 for user in ex.map(get_user, uids)]


def later(uids):
    with ThreadPoolExecutor(max_workers=3) as ex:
        users = ex.map(get_user, uids)
    return [u["id"] for u in users]


def warm(uids):
    with ThreadPoolExecutor(max_workers=3) as ex:
        ex.map(ping, uids)


def running_total(uids):
    total = 0
    seen = []
    with ThreadPoolExecutor(max_workers=3) as ex:
        for user in ex.map(get_user, uids):
            total += user["id"]
            seen.append(total)
    return seen


def main(base_url, n):
    global BASE
    BASE = base_url
    good = [i for i in range(n) if i % 7]
    warm(range(n))
    return {
        "ids": ids(good),
        "later": later(good),
        "totals": running_total(good),
    }


if __name__ == "__main__":
    import sys

    print(main(sys.argv[1], 10))
