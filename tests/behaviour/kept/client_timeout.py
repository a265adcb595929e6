"""await-without-deadline must respect the timeout the client already has.

The call takes 1.5 s; the client allows 3 s. A deadline shorter than the client's timeout would
cut a healthy call.
"""

import httpx


async def slow_call(base_url):
    async with httpx.AsyncClient(base_url=base_url, timeout=3) as client:
        resp = await client.get("/slow")
        return resp.json()


async def main(base_url, n):
    return await slow_call(base_url)
