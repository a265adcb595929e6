# corral-case: target=py312
import asyncio as aio
from asyncio import wait_for


async def shapes(reader, fetch, url, limits):
    await aio.wait_for(fetch(url), timeout=limits.read)
    if url:
        return await wait_for(
            fetch(
                url,
            ),
            5,
        )
    try:
        data = await aio.wait_for(reader.read(100), None)
    except (aio.TimeoutError, ValueError):
        data = b""
    return data


async def shielded(fetch):
    # The shield keeps the inner call running past the deadline, with either spelling.
    return await asyncio_shield_wait(fetch)


async def asyncio_shield_wait(fetch):
    return await aio.wait_for(aio.shield(fetch()), 5)
