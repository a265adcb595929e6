# corral-case: target=py39
"""Before 3.11: a loop over the gathered results and asyncio.wait, bounded by gather."""

import asyncio

import requests


async def statuses(urls):
    codes = []
    for resp in await asyncio.gather(*[asyncio.to_thread(requests.get, u) for u in urls]):
        codes.append(resp.status_code)
    return codes


async def waited(urls):
    done, _ = await asyncio.wait([asyncio.to_thread(requests.get, u) for u in urls])
    return len(done)
