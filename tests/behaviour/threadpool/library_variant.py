"""threadpool-network-io with --library-variants: library code (no main guard) keeps its sync
function and gains an async variant, which the harness's `main` awaits when it is there."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import requests


def status(url):
    return requests.get(url).status_code


def statuses(urls):
    with ThreadPoolExecutor(max_workers=3) as pool:
        return list(pool.map(status, urls))


def main(base_url, n):
    urls = [f"{base_url}/users/{i}" for i in range(n)]
    variant = globals().get("statuses_async")
    if variant is None:
        return {"sync": statuses(urls)}
    return {"sync": statuses(urls), "variant": asyncio.run(variant(urls))}
