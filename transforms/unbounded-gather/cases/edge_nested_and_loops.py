import asyncio


async def work(session, x):
    return await session.get(x)


async def outer(session, batches):
    async def inner(batch):
        return await asyncio.gather(*[work(session, x) for x in batch])

    out = []
    for batch in batches:
        # One batch at a time, each batch fanned out.
        out.append(await asyncio.gather(*[work(session, x) for x in batch]))
    return out, await inner(batches[0])
