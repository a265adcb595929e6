# corral-case: timeout=5 target=py311
import asyncio


class Conn:
    async def __aenter__(self):
        self.reader, self.writer = await asyncio.open_connection("h", 1)
        return self

    async def __aexit__(self, *exc):
        self.writer.close()


async def stream_lines(host, port):
    reader, writer = await asyncio.open_connection(host, port)
    line = await reader.readline()
    yield line


async def cleanup(host, port):
    try:
        pass
    finally:
        reader, writer = await asyncio.open_connection(host, port)
        await reader.read()


async def handled(host, port):
    try:
        reader, writer = await asyncio.open_connection(host, port)
        return await reader.readline()
    except OSError:
        # A failed wait gives a value; a deadline's TimeoutError must not escape past this.
        return b""
