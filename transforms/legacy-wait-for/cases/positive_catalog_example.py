# corral-case: target=py311
import asyncio


async def read_frame(reader: asyncio.StreamReader, header_timeout: float = 5.0) -> bytes:
    try:
        header = await asyncio.wait_for(reader.readexactly(4), header_timeout)
    except asyncio.TimeoutError:
        raise ConnectionError("peer went silent") from None
    return await reader.readexactly(int.from_bytes(header, "big"))
