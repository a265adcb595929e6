# corral-case: timeout=5 target=py311
import asyncio

import async_timeout


async def scoped(host):
    async with asyncio.timeout(3):
        reader, writer = await asyncio.open_connection(host, 80)
        return await reader.readline()


async def legacy_scope(host):
    async with async_timeout.timeout(3):
        reader, writer = await asyncio.open_connection(host, 80)
        return await reader.readline()


async def waited(host):
    return await asyncio.wait_for(asyncio.open_connection(host, 80), 3)


async def takes_timeout(host, timeout):
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, 80), timeout)
    return await reader.readline()


async def _fetch(host):
    # Every caller in this module gives it a deadline.
    reader, writer = await asyncio.open_connection(host, 80)
    return await reader.readline()


async def caller(host):
    async with asyncio.timeout(3):
        return await _fetch(host)


async def not_network(queue: asyncio.Queue, unknown_client, url):
    await asyncio.sleep(1)
    await unknown_client.get(url)
    return await queue.get()
