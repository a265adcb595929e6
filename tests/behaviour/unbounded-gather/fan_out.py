import asyncio

import httpx


async def fetch_profile(client: httpx.AsyncClient, user_id: int) -> dict:
    resp = await client.get(f"/users/{user_id}")
    resp.raise_for_status()
    return resp.json()


async def fetch_profiles(client: httpx.AsyncClient, user_ids):
    return await asyncio.gather(*[fetch_profile(client, uid) for uid in user_ids])


async def fetch_some(client: httpx.AsyncClient, user_ids):
    pending = []
    for uid in user_ids:
        pending.append(fetch_profile(client, uid))
    outcomes = await asyncio.gather(*pending, return_exceptions=True)
    return [o if isinstance(o, dict) else type(o).__name__ for o in outcomes]


async def main(base_url, n):
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(base_url=base_url, limits=limits) as client:
        healthy = [uid for uid in range(n) if uid % 7]
        profiles = await fetch_profiles(client, healthy)
        mixed = await fetch_some(client, range(n))
        try:
            # The failing id last, so that no request is still waiting for a permit when the
            # gather raises: the server would count requests it has not yet seen cancelled.
            await fetch_profiles(client, [*healthy, 7])
            failed = None
        except httpx.HTTPStatusError as exc:
            failed = exc.response.status_code
        return {"profiles": profiles, "mixed": mixed, "failed": failed}
