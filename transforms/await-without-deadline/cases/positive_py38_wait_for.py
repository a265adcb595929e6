# corral-case: timeout=5 target=py38
import asyncio


async def ping(host, port):
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except (TimeoutError, ConnectionError):
        return None
    writer.close()
    return reader


async def latest(host, port):
    try:
        return await asyncio.open_connection(host, port)
    except TimeoutError:
        return None


async def connect(host, port):
    return await asyncio.open_connection(host, port)
