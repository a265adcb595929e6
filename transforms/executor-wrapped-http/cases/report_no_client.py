# corral-case: target=py311
import asyncio
from concurrent.futures import ProcessPoolExecutor

import requests


async def lonely(url):
    # No client in scope: making one per call would lose pooling.
    return await asyncio.to_thread(requests.get, url)


async def streamed(url, client):
    return await asyncio.to_thread(requests.get, url, stream=True)


async def process_pool(url):
    loop = asyncio.get_running_loop()
    pool = ProcessPoolExecutor()
    return await loop.run_in_executor(pool, requests.get, url)
