# corral-case: timeout=2.5 target=py312
"""Every HTTP client here has a timeout in force: a deadline must not shorten or stack on it."""
import asyncio

import aiohttp
import httpx

TIMEOUT_SECONDS = 10
REQUEST_ARGS = {"timeout": 30, "headers": {"accept": "application/json"}}


async def library_default(client: httpx.AsyncClient, url):
    # httpx: 5 s per connect, read, write and pool wait unless told otherwise.
    resp = await client.get(url)
    resp.raise_for_status()
    return resp.json()


async def explicit_client_timeout(urls):
    # A 60 s LLM call stays a 60 s call.
    async with httpx.AsyncClient(timeout=60) as client:
        return await asyncio.gather(*[client.post(u) for u in urls])


async def aiohttp_default(session: aiohttp.ClientSession, urls):
    # aiohttp: 300 s in all by default.
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(session.get(u)) for u in urls]
    return [t.result() for t in tasks]


async def call_timeout(session: aiohttp.ClientSession, url):
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=20)) as resp:
        return await resp.text()


async def through_kwargs(url):
    async with httpx.AsyncClient() as client:
        return await client.get(url, **REQUEST_ARGS)


async def corral_output(urls):
    # What the thread-pool rewrites write: an explicit timeout, so nothing to add.
    async with httpx.AsyncClient(follow_redirects=True, timeout=TIMEOUT_SECONDS) as _client:
        return [await _client.get(u) for u in urls]


async def disabled(url):
    # A timeout disabled with None is missing-timeout's finding, not a second one here.
    async with httpx.AsyncClient(timeout=None) as client:
        return await client.get(url)
