# corral-case: timeout=5 target=py311
import asyncio

import httpx


class Conn:
    async def __aenter__(self):
        self.reader, self.writer = await asyncio.open_connection("h", 1)
        return self

    async def __aexit__(self, *exc):
        self.writer.close()


async def stream_lines(client: httpx.AsyncClient, url):
    resp = await client.get(url)
    for line in resp.text.splitlines():
        yield line


async def cleanup(client: httpx.AsyncClient, url):
    try:
        pass
    finally:
        await client.post(url)
