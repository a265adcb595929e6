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


async def annotated(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
    writer.write(b"x")
    return await reader.readline()
