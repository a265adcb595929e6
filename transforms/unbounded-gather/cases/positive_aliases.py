import asyncio as aio
from asyncio import gather as g


async def fetch(session, url):
    async with session.get(url) as resp:
        return await resp.text()


async def with_module_alias(session, urls):
    return await aio.gather(*[fetch(session, u) for u in urls])


async def with_function_alias(session, urls):
    return await g(*[fetch(session, u) for u in urls])
