import asyncio


async def fetch(session, url, *, retries=3):
    return url


async def from_comprehension(session, urls):
    coros = [fetch(session, u, retries=5) for u in urls if u]
    done = await asyncio.gather(*coros)
    return done


async def from_append_loop(session, rows):
    pending = []
    for row in rows:
        pending.append(fetch(session, row["url"]))
    print(len(pending))
    return await asyncio.gather(*pending)
