"""await-without-deadline, pre-3.11 fallback: one await, under an `except TimeoutError`."""

import asyncio
import time
from urllib.parse import urlsplit


async def first_line(host, port):
    # The connect already has a deadline; the read is the one await left without one.
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 5)
    writer.write(b"GET /hang HTTP/1.0\r\n\r\n")
    try:
        return await reader.readline()
    except TimeoutError:
        return "handled"
    finally:
        writer.close()


async def main(base_url, n):
    parts = urlsplit(base_url)
    start = time.monotonic()
    outcome = await first_line(parts.hostname, parts.port)
    return {"outcome": outcome, "elapsed": time.monotonic() - start}
