"""await-without-deadline: an asyncio stream that connects, asks, and never hears back."""

import asyncio
import time
from urllib.parse import urlsplit


async def probe(host, port):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"GET /hang HTTP/1.0\r\n\r\n")
    await writer.drain()
    line = await reader.readline()
    writer.close()
    return line


async def main(base_url, n):
    parts = urlsplit(base_url)
    start = time.monotonic()
    try:
        outcome = await probe(parts.hostname, parts.port)
        error = None
    except BaseException as exc:
        outcome = None
        error = f"{type(exc).__module__}.{type(exc).__qualname__}"
    return {"outcome": outcome, "error": error, "elapsed": time.monotonic() - start}
