"""executor-wrapped-http: requests.get in the default executor, gathered."""

import asyncio

import requests


async def fetch_statuses(urls):
    loop = asyncio.get_running_loop()
    futures = [loop.run_in_executor(None, requests.get, u) for u in urls]
    responses = await asyncio.gather(*futures)
    return {u: r.status_code for u, r in zip(urls, responses)}


async def main(base_url, n):
    statuses = await fetch_statuses([f"{base_url}/users/{i}" for i in range(n)])
    # Paths only: the server's port differs from run to run.
    return {u[len(base_url):]: s for u, s in statuses.items()}
