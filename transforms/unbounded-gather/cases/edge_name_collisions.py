import asyncio

MAX_CONCURRENCY = 64
_limiter = None


async def _bounded(x):
    return x


async def run(items):
    return await asyncio.gather(*[_bounded(i) for i in items])
