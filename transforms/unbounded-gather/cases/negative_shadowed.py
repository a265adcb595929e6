import asyncio

from trio_helpers import gather as trio_gather


async def f(x):
    return x


async def local_shadow(xs):
    asyncio = make_fake_asyncio()
    return await asyncio.gather(*[f(x) for x in xs])


async def parameter_shadow(xs, gather):
    return await gather(*[f(x) for x in xs])


async def other_library(xs):
    return await trio_gather(*[f(x) for x in xs])


def make_fake_asyncio():
    return None
