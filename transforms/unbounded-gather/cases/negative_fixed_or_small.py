import asyncio


async def f(x=None):
    return x


async def fixed_arguments():
    return await asyncio.gather(f(1), f(2), f(3))


async def small_literal():
    a = await asyncio.gather(*[f(x) for x in (1, 2, 3)])
    b = await asyncio.gather(*[f(x) for x in range(4)])
    return a, b


async def worker_pool(queue, n):
    # The loop variable is unused: a fixed pool of workers, not data-driven fan-out.
    return await asyncio.gather(*[f(queue) for _ in range(n)])


async def parameter_list(coros):
    # Nothing shows how the list was built.
    return await asyncio.gather(*coros)
