# corral-case: target=py311
import asyncio
from concurrent.futures import ProcessPoolExecutor

import requests


async def lonely(url):
    # No client in scope: making one per call would lose pooling.
    resp = await asyncio.to_thread(requests.get, url)
    return resp.status_code


async def handed_back(url, client):
    # The response goes back to the caller, and httpx's reads differently: it stays a thread's.
    return await asyncio.to_thread(requests.get, url)


async def process_pool(url):
    loop = asyncio.get_running_loop()
    pool = ProcessPoolExecutor()
    return await loop.run_in_executor(pool, requests.get, url)
