# corral-case: target=py311
import asyncio

import requests


async def lonely(url):
    # No client in scope: making one per call would lose pooling.
    return await asyncio.to_thread(requests.get, url)


async def streamed(url, client):
    return await asyncio.to_thread(requests.get, url, stream=True)
