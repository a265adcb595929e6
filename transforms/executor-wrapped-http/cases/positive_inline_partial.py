"""A partial written inside the comprehension reads the loop's variables: the helper takes them."""

import asyncio
import functools

import requests


async def users(base, ids):
    responses = await asyncio.gather(
        *[
            asyncio.to_thread(functools.partial(requests.get, f"{base}/users/{i}", timeout=5))
            for i in ids
        ]
    )
    return [r.status_code for r in responses]


async def pages(base, pairs):
    loop = asyncio.get_running_loop()
    return await asyncio.gather(
        *[
            loop.run_in_executor(None, functools.partial(requests.get, f"{base}/{kind}/{page}"))
            for kind, page in pairs
        ]
    )
