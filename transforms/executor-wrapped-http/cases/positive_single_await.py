# corral-case: target=py311
import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor

import httpx
import requests


def fetch_json(url):
    resp = requests.get(url)
    resp.raise_for_status()
    return resp.json()


async def with_parameter(client: httpx.AsyncClient, url):
    resp = await asyncio.to_thread(requests.get, url, params={"q": "x"}, allow_redirects=False)
    return resp.status_code


async def with_block(url):
    async with httpx.AsyncClient() as client:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(requests.post, json={"a": 1}), url)


class Api:
    def __init__(self):
        self.http = httpx.AsyncClient()

    async def profile(self, url):
        return await asyncio.to_thread(fetch_json, url)


async def own_pool(urls):
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=3)
    futures = [loop.run_in_executor(pool, requests.get, u) for u in urls]
    return await asyncio.gather(*futures)
