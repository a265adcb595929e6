# corral-case: timeout=2.5 target=py312
"""Clients whose origin is visible, fan-out, and a TaskGroup."""
import asyncio

import aiohttp
import httpx


async def one(client: httpx.AsyncClient, url):
    # The request and the body read.
    resp = await client.get(url)
    resp.raise_for_status()
    return resp.json()


async def fan_out(urls):
    async with httpx.AsyncClient() as client:
        pages = await asyncio.gather(*[client.get(u) for u in urls])
    return [p.text for p in pages]


async def task_group(session: aiohttp.ClientSession, urls):
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(session.get(u)) for u in urls]
    return [t.result() for t in tasks]


async def streamed(client: httpx.AsyncClient, url):
    text = """a multi-line string
keeps its own indentation"""
    async with client.stream("GET", url) as resp:
        async for chunk in resp.aiter_bytes():
            print(text, chunk)
