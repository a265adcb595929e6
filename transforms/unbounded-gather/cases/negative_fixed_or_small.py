import asyncio

REGIONS = ("eu", "us", "ap")
ENDPOINTS = {"users": ["/a", "/b"], "orders": ["/c"]}


async def f(client, x=None):
    return await client.get(x)


async def fixed_arguments(client):
    return await asyncio.gather(f(client, 1), f(client, 2), f(client, 3))


async def small_literal(client):
    a = await asyncio.gather(*[f(client, x) for x in (1, 2, 3)])
    b = await asyncio.gather(*[f(client, x) for x in range(4)])
    return a, b


async def small_by_construction(client, ids, pages, i, kind):
    a = await asyncio.gather(*[f(client, x) for x in ids[:3]])
    b = await asyncio.gather(*[f(client, p) for p in pages[i : i + 4]])
    c = await asyncio.gather(*[f(client, r) for r in REGIONS])
    d = await asyncio.gather(*[f(client, e) for e in ENDPOINTS[kind]])
    e = await asyncio.gather(*[f(client, k) for k, _ in ENDPOINTS.items()])
    return a, b, c, d, e


async def a_few_conditional_appends(client, user, orders):
    calls = []
    if user:
        calls.append(f(client, user))
    if orders:
        calls.append(f(client, orders))
    return await asyncio.gather(*calls)


async def worker_pool(client, queue, n):
    # The loop variable is unused: a fixed pool of workers, not data-driven fan-out.
    return await asyncio.gather(*[f(client, queue) for _ in range(n)])


async def parameter_list(coros):
    # Nothing shows how the list was built.
    return await asyncio.gather(*coros)
