"""unbounded-gather must refuse: the fanned-out calls wait on each other.

The last element sets the event every other one waits for. Under a bound smaller than their
number, the first ones would hold every permit waiting for one that cannot start.
"""

import asyncio

import httpx


async def stage(client, uid, ready: asyncio.Event, last):
    if uid == last:
        ready.set()
    else:
        await ready.wait()
    resp = await client.get(f"/users/{uid}")
    return resp.status_code


async def main(base_url, n):
    ready = asyncio.Event()
    uids = [uid for uid in range(1, n + 1) if uid % 7]
    async with httpx.AsyncClient(base_url=base_url) as client:
        return await asyncio.gather(*[stage(client, uid, ready, uids[-1]) for uid in uids])
