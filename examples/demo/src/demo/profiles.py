"""Loads user profiles from the accounts service."""

import asyncio

import httpx


async def fetch_profile(client: httpx.AsyncClient, user_id: int) -> dict:
    resp = await client.get(f"/users/{user_id}")
    resp.raise_for_status()
    return resp.json()


async def fetch_profiles(client: httpx.AsyncClient, user_ids):
    # One request per user, all at once.
    return await asyncio.gather(*[fetch_profile(client, uid) for uid in user_ids])
