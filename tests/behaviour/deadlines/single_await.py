"""await-without-deadline, pre-3.11 fallback: one await, under an `except TimeoutError`."""

import asyncio
import time
from urllib.parse import urlsplit


async def first_line(reader: asyncio.StreamReader):
    try:
        return await reader.readline()
    except TimeoutError:
        return "handled"


async def connect(base_url):
    parts = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(b"GET /hang HTTP/1.0\r\n\r\n")
    return reader, writer


async def main(base_url, n):
    # Every call of `connect` has a deadline, so corral leaves `connect` alone.
    reader, writer = await asyncio.wait_for(connect(base_url), 5)
    start = time.monotonic()
    outcome = await first_line(reader)
    writer.close()
    return {"outcome": outcome, "elapsed": time.monotonic() - start}
