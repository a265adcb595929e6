import asyncio

from trio_helpers import gather as trio_gather


async def f(client, x):
    return await client.get(x)


async def local_shadow(client, xs):
    asyncio = make_fake_asyncio()
    return await asyncio.gather(*[f(client, x) for x in xs])


async def parameter_shadow(client, xs, gather):
    return await gather(*[f(client, x) for x in xs])


async def other_library(client, xs):
    return await trio_gather(*[f(client, x) for x in xs])


def make_fake_asyncio():
    return None
