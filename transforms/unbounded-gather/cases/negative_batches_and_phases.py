import asyncio

import aiobotocore.session


async def embed_batches(client, texts, batch_size):
    out = []
    for i in range(0, len(texts), batch_size):
        # One batch of a size the code chose at a time.
        out.extend(await asyncio.gather(*[client.embed(t) for t in texts[i : i + batch_size]]))
    return out


async def async_setup_entry(hass, entry, api):
    # Setting up: one call per configured device.
    await asyncio.gather(*[api.refresh_device(d) for d in entry.devices])


async def notify(targets, payload):
    # A botocore client keeps at most 10 connections unless its config says otherwise.
    session = aiobotocore.session.get_session()
    async with session.create_client("sns") as client:
        await asyncio.gather(*[client.publish(TargetArn=t, Message=payload) for t in targets])


async def benchmark_network(client, pairs):
    # A benchmark fans out on purpose: the load is what it measures.
    return await asyncio.gather(*[client.transfer(a, b) for a, b in pairs])
