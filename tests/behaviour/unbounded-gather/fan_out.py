import asyncio
from itertools import repeat

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


async def fetch_by_map(client: httpx.AsyncClient, user_ids):
    return await asyncio.gather(*map(fetch_profile, repeat(client), user_ids))


async def fetch_by_lambda(client: httpx.AsyncClient, user_ids):
    return await asyncio.gather(*map(lambda uid: fetch_profile(client, uid), user_ids))


async def statuses_by_method(client: httpx.AsyncClient, user_ids):
    responses = await asyncio.gather(*map(client.get, [f"/users/{u}" for u in user_ids]))
    return [r.status_code for r in responses]


async def main(base_url, n):
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(base_url=base_url, limits=limits) as client:
        healthy = [uid for uid in range(n) if uid % 7]
        profiles = await fetch_profiles(client, healthy)
        mixed = await fetch_some(client, range(n))
        mapped = await fetch_by_map(client, healthy)
        lambdas = await fetch_by_lambda(client, healthy)
        statuses = await statuses_by_method(client, range(n))
        try:
            # The failing id last, so that no request is still waiting for a permit when the
            # gather raises: the server would count requests it has not yet seen cancelled.
            await fetch_profiles(client, [*healthy, 7])
            failed = None
        except httpx.HTTPStatusError as exc:
            failed = exc.response.status_code
        return {
            "profiles": profiles,
            "mixed": mixed,
            "mapped": mapped,
            "lambdas": lambdas,
            "statuses": statuses,
            "failed": failed,
        }
