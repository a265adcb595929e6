# corral-case: target=py311
import asyncio

UPLOAD_TIMEOUT = 30


async def upload(hass, reader, filename):
    try:
        version = await asyncio.wait_for(
            hass.async_add_executor_job(
                upload_sync,
                reader,
                filename,
            ),
            UPLOAD_TIMEOUT,
        )
    except asyncio.TimeoutError:
        return None
    return version


def upload_sync(reader, filename):
    return reader, filename
