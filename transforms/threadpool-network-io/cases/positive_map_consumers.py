# corral-case: target=py311
"""How scripts read what `ex.map` gives: in a comprehension, later through a name, not
at all, or in a loop that does several things with each result."""

import json
from concurrent.futures import ThreadPoolExecutor

import requests

API = "https://api.example.com"


def user_url(uid):
    return f"{API}/users/{uid}"


def get_user(uid):
    resp = requests.get(user_url(uid), timeout=10)
    resp.raise_for_status()
    return resp.json()


def ping(url):
    requests.head(url, timeout=5)


def names(uids):
    with ThreadPoolExecutor(max_workers=6) as ex:
        return [user["name"] for user in ex.map(get_user, uids)]


def later(uids):
    with ThreadPoolExecutor(max_workers=6) as ex:
        users = ex.map(get_user, uids)
    for user in users:
        print(user["name"])


def warm(urls):
    with ThreadPoolExecutor(max_workers=6) as ex:
        ex.map(ping, urls)


def report(uids, out):
    total = 0
    with ThreadPoolExecutor(max_workers=6) as ex:
        for user in ex.map(get_user, uids):
            total += user["score"]
            out.write(json.dumps(user) + "\n")
            print(user["name"], total)
    return total


def never_read(urls):
    with ThreadPoolExecutor(max_workers=6) as ex:
        results = ex.map(ping, urls)


def with_deadline(uids):
    with ThreadPoolExecutor(max_workers=6) as ex:
        return list(ex.map(get_user, uids, timeout=30))


def deadline_after_the_block(uids):
    with ThreadPoolExecutor(max_workers=6) as ex:
        users = ex.map(get_user, uids, timeout=30)
    return [u["name"] for u in users]


def ranked(uids):
    with ThreadPoolExecutor(max_workers=6) as ex:
        return sorted(ex.map(get_user, uids), key=lambda u: u["score"])


if __name__ == "__main__":
    print(names([1, 2, 3]))
