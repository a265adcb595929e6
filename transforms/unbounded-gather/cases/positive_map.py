"""Fan-outs written with map: a coroutine function, a client's method, a lambda's call."""

import asyncio
from itertools import repeat

import aiohttp
import httpx


async def fetch(session, url):
    async with session.get(url) as resp:
        return await resp.json()


async def crawl(session, urls):
    return await asyncio.gather(*map(fetch, repeat(session), urls))


async def heads(urls):
    async with httpx.AsyncClient() as client:
        return await asyncio.gather(*map(client.head, urls))


async def profiles(session: aiohttp.ClientSession, ids: list[int]) -> list[dict]:
    return await asyncio.gather(
        *map(lambda i: fetch(session, f"https://api.example.com/users/{i}"), ids)
    )


async def not_network(paths):
    # No network I/O: left alone.
    return await asyncio.gather(*map(asyncio.sleep, paths))


async def few(session):
    # A literal pair of URLs is a fixed set of calls, not fan-out.
    return await asyncio.gather(*map(fetch, repeat(session), ["https://a.example", "https://b.example"]))


async def capped(urls):
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=4)) as client:
        # The transport already allows at most 4 at once.
        return await asyncio.gather(*map(client.get, urls))
