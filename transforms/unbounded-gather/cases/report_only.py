import asyncio


async def fetch(url):
    return url


def sync_caller(urls):
    loop = asyncio.new_event_loop()
    return loop.run_until_complete(asyncio.gather(*[fetch(u) for u in urls]))


async def precreated(urls):
    tasks = [asyncio.create_task(fetch(u)) for u in urls]
    return await asyncio.gather(*[t for t in tasks])


async def appended_tasks(urls):
    running = []
    for u in urls:
        t = asyncio.ensure_future(fetch(u))
        running.append(t)
    return await asyncio.gather(*running)


async def crawl(urls, depth):
    if depth == 0:
        return urls
    return await asyncio.gather(*[crawl([u], depth - 1) for u in urls])


async def one_line(urls): return await asyncio.gather(*[fetch(u) for u in urls])
