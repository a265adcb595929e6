import asyncio
import logging

import httpx

log = logging.getLogger(__name__)


async def fetch_page(client: httpx.AsyncClient, url: str, *, retries: int = 2) -> str:
    for attempt in range(retries + 1):
        try:
            resp = await client.get(url)
            return resp.text
        except httpx.TransportError:
            log.warning("attempt %d for %s failed", attempt, url)
    return ""


async def crawl(client: httpx.AsyncClient, sitemap: list[str]) -> list[str]:
    pending = []
    for url in sitemap:
        if url.endswith(".xml"):
            continue
        pending.append(fetch_page(client, url, retries=3))
    return await asyncio.gather(*pending, return_exceptions=True)


async def warm_up(client: httpx.AsyncClient) -> None:
    # Three fixed calls: not fan-out, left alone.
    await asyncio.gather(client.get("/"), client.get("/health"), client.get("/ready"))
