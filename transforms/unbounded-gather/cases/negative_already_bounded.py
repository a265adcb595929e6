import asyncio

import anyio


async def limited(sem, session, url):
    async with sem:
        return await session.get(url)


async def callee_holds_limiter(session, urls):
    sem = asyncio.Semaphore(5)
    return await asyncio.gather(*[limited(sem, session, u) for u in urls])


async def plain(session, url):
    return await session.get(url)


async def under_enclosing_limiter(session, urls, limiter):
    async with limiter:
        return await asyncio.gather(*[plain(session, u) for u in urls])


def blocking(session, url):
    return session.get(url)


async def executor_bounded(session, urls):
    loop = asyncio.get_running_loop()
    a = await asyncio.gather(*[asyncio.to_thread(blocking, session, u) for u in urls])
    b = await asyncio.gather(*[loop.run_in_executor(None, blocking, session, u) for u in urls])
    c = await asyncio.gather(*[anyio.to_thread.run_sync(blocking, session, u) for u in urls])
    return a, b, c


async def in_a_thread(session, url):
    # A wrapper one call deep: the executor bounds it, not a semaphore here.
    return await asyncio.to_thread(blocking, session, url)


async def through_a_wrapper(session, urls):
    return await asyncio.gather(*[in_a_thread(session, u) for u in urls])


async def already_running(session, futures):
    # Futures submitted elsewhere already run: a limit here would bound nothing.
    return await asyncio.gather(*[asyncio.wrap_future(f) for f in futures])
