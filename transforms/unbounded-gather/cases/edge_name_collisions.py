import asyncio

MAX_CONCURRENCY = 64
_limiter = None


async def _bounded(client, x):
    return await client.get(x)


async def run(client, items):
    return await asyncio.gather(*[_bounded(client, i) for i in items])
