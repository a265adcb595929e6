"""await-without-deadline must not put a deadline on a pump loop.

The feed is quiet for longer than the deadline in the test between its lines. The connect and
the request get the deadline; the pump, idle between messages by design, must not.
"""

import asyncio
from urllib.parse import urlsplit


async def follow(host, port):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"GET /drip HTTP/1.0\r\n\r\n")
    await writer.drain()
    lines = []
    while True:
        line = await reader.readline()
        if not line:
            break
        if line.startswith(b"tick"):
            lines.append(line.decode().strip())
    writer.close()
    return lines


async def main(base_url, n):
    parts = urlsplit(base_url)
    return {"lines": await follow(parts.hostname, parts.port)}
