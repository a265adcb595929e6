# corral-case: timeout=5 target=py38
import asyncio

PROBE_TIMEOUT_S = 5.0  # codemod CONC402: default deadline, tune


async def _probe_no_deadline(host: str, port: int) -> bytes:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(b"PING\r\n")
        await writer.drain()
        return await reader.readline()
    finally:
        writer.close()


async def probe(host: str, port: int) -> bytes:
    return await asyncio.wait_for(_probe_no_deadline(host, port), timeout=PROBE_TIMEOUT_S)
