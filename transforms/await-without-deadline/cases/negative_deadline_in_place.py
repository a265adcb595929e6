# corral-case: timeout=5 target=py311
import asyncio

import async_timeout
import httpx


async def scoped(client: httpx.AsyncClient, url):
    async with asyncio.timeout(3):
        return await client.get(url)


async def legacy_scope(client: httpx.AsyncClient, url):
    async with async_timeout.timeout(3):
        return await client.get(url)


async def waited(client: httpx.AsyncClient, url):
    return await asyncio.wait_for(client.get(url), 3)


async def takes_timeout(client: httpx.AsyncClient, url, timeout):
    return await client.get(url, timeout=timeout)


async def _fetch(client: httpx.AsyncClient, url):
    # Every caller in this module gives it a deadline.
    return await client.get(url)


async def caller(client, url):
    async with asyncio.timeout(3):
        return await _fetch(client, url)


async def not_network(queue: asyncio.Queue, unknown_client, url):
    await asyncio.sleep(1)
    await unknown_client.get(url)
    return await queue.get()
