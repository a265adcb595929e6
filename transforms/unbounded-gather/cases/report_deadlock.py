import asyncio


async def stage(session, url, ready: asyncio.Event):
    await ready.wait()
    return await session.get(url)


async def release(ready: asyncio.Event):
    ready.set()


async def pipeline(session, urls):
    # One element sets the event the others wait on: under a bound smaller than their number,
    # the waiting ones could hold every permit.
    ready = asyncio.Event()
    return await asyncio.gather(*[stage(session, u, ready) for u in urls])


async def shared_queue(session, urls, q: asyncio.Queue):
    return await asyncio.gather(*[consume(session, u) for u in urls])


JOBS = asyncio.Queue()


async def consume(session, url):
    item = await JOBS.get()
    return await session.get(url, params=item)
