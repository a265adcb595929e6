import asyncio

import aiohttp
import httpx


async def fetch(session, url):
    async with session.get(url) as resp:
        return await resp.read()


async def capped_by_connector(urls):
    # The connector already holds at most 5 connections, fewer than MAX_CONCURRENCY.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=5)) as session:
        return await asyncio.gather(*[fetch(session, u) for u in urls])


async def capped_by_limits(urls):
    limits = httpx.Limits(max_connections=4)
    async with httpx.AsyncClient(limits=limits) as client:
        return await asyncio.gather(*[client.get(u) for u in urls])
