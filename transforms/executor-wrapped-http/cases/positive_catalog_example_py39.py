# corral-case: target=py39
import asyncio

import requests


async def fetch_statuses(urls):
    loop = asyncio.get_running_loop()
    futures = [loop.run_in_executor(None, requests.get, u) for u in urls]
    responses = await asyncio.gather(*futures)
    return {u: r.status_code for u, r in zip(urls, responses)}
