import aiohttp
import httpx


async def fetch(url):
    async with httpx.AsyncClient(timeout=None) as client:
        r = await client.get(url, timeout=None)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=5)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.get(url) as resp:
            return r.text, await resp.text()


def sync(url):
    return httpx.get(url, timeout=None)
