"""Fetch many pages; failures come back as values."""

from __future__ import annotations

from asyncio import gather

import httpx


async def fetch_all(client: httpx.AsyncClient, urls: list[str]):
    results = await gather(*(client.get(u) for u in urls), return_exceptions=True)
    return [r for r in results if not isinstance(r, BaseException)]
