import asyncio


async def work(x):
    return x


async def outer(batches):
    async def inner(batch):
        return await asyncio.gather(*[work(x) for x in batch])

    out = []
    for batch in batches:
        # One batch at a time, each batch fanned out.
        out.append(await asyncio.gather(*[work(x) for x in batch]))
    return out, await inner(batches[0])
