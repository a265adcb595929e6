import asyncio

import anyio


async def limited(sem, url):
    async with sem:
        return url


async def callee_holds_limiter(urls):
    sem = asyncio.Semaphore(5)
    return await asyncio.gather(*[limited(sem, u) for u in urls])


async def plain(url):
    return url


async def under_enclosing_limiter(urls, limiter):
    async with limiter:
        return await asyncio.gather(*[plain(u) for u in urls])


def blocking(url):
    return url


async def executor_bounded(urls):
    loop = asyncio.get_running_loop()
    a = await asyncio.gather(*[asyncio.to_thread(blocking, u) for u in urls])
    b = await asyncio.gather(*[loop.run_in_executor(None, blocking, u) for u in urls])
    c = await asyncio.gather(*[anyio.to_thread.run_sync(blocking, u) for u in urls])
    return a, b, c
