# corral-case: timeout=5 target=py311
import asyncio

PROBE_TIMEOUT_S = 5.0  # codemod CONC402: default deadline, tune


async def probe(host: str, port: int) -> bytes:
    async with asyncio.timeout(PROBE_TIMEOUT_S):
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(b"PING\r\n")
            await writer.drain()
            return await reader.readline()
        finally:
            writer.close()
