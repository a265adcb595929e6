import asyncio as aio
from asyncio import gather as g


async def fetch(url):
    await aio.sleep(0)
    return url


async def with_module_alias(urls):
    return await aio.gather(*[fetch(u) for u in urls])


async def with_function_alias(urls):
    return await g(*[fetch(u) for u in urls])
