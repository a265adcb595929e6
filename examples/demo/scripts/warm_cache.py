"""Warms the profile cache by fetching every user once."""

import sys
from concurrent.futures import ThreadPoolExecutor

import requests


def fetch_profile(url):
    resp = requests.get(url, timeout=10)
    resp.raise_for_status()
    return resp.json()


def warm(urls):
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(fetch_profile, urls))


if __name__ == "__main__":
    print(len(warm(sys.argv[1:])))
