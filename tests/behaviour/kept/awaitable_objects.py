"""unbounded-gather must refuse: the list of awaitable objects outlives the gather."""

import asyncio

import httpx


class Profile:
    def __init__(self, client, uid):
        self.client = client
        self.uid = uid
        self.status = None

    def __await__(self):
        return self.load().__await__()

    async def load(self):
        resp = await self.client.get(f"/users/{self.uid}")
        self.status = resp.status_code
        return self


async def main(base_url, n):
    async with httpx.AsyncClient(base_url=base_url) as client:
        profiles = [Profile(client, uid) for uid in range(1, n + 1)]
        await asyncio.gather(*profiles)
        # The objects, not what the gather returned, carry the results.
        return [p.status for p in profiles]
