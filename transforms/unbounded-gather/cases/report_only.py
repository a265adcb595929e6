import asyncio


async def fetch(session, url):
    return await session.get(url)


def sync_caller(session, urls):
    loop = asyncio.new_event_loop()
    return loop.run_until_complete(asyncio.gather(*[fetch(session, u) for u in urls]))


async def crawl(session, urls, depth):
    if depth == 0:
        return urls
    return await asyncio.gather(*[crawl(session, [u], depth - 1) for u in urls])


async def one_line(session, urls): return await asyncio.gather(*[fetch(session, u) for u in urls])
