# corral-case: target=py311
import asyncio
import hashlib
from concurrent.futures import ProcessPoolExecutor

import requests


def digest(blob):
    return hashlib.sha256(blob).hexdigest()


async def cpu(blob):
    return await asyncio.to_thread(digest, blob)


def sync_code(url):
    return requests.get(url, timeout=5)
