# corral-case: target=py311
"""Hops awaited as async code writes them: a loop over the gathered results, asyncio.wait,
a partial that fixes the URL."""

import asyncio
import functools

import httpx
import requests


async def statuses(urls):
    loop = asyncio.get_running_loop()
    codes = []
    for resp in await asyncio.gather(
        *[loop.run_in_executor(None, requests.get, u) for u in urls]
    ):
        codes.append(resp.status_code)
    return codes


async def waited(urls):
    loop = asyncio.get_running_loop()
    futures = [loop.run_in_executor(None, requests.get, u) for u in urls]
    done, _ = await asyncio.wait(futures)
    return sorted(t.result().status_code for t in done)


async def partial_url(client: httpx.AsyncClient, url):
    loop = asyncio.get_running_loop()
    get = functools.partial(requests.get, url, timeout=5)
    return await loop.run_in_executor(None, get)


async def partial_inline(client: httpx.AsyncClient, url):
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        None, functools.partial(requests.get, url, timeout=5)
    )
