import asyncio


async def fetch(session, url):
    return await session.get(url)


async def appended_tasks(session, urls):
    running = []
    for u in urls:
        t = asyncio.ensure_future(fetch(session, u))
        running.append(t)
    return await asyncio.gather(*running)
