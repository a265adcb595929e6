# corral-case: timeout=5 target=py38
import asyncio


async def probe(host: str, port: int) -> bytes:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(b"PING\r\n")
        await writer.drain()
        return await reader.readline()
    finally:
        writer.close()
