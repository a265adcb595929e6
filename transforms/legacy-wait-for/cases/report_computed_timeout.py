# corral-case: target=py311
import asyncio


async def computed(fetch, budget):
    return await asyncio.wait_for(fetch(), budget.remaining())
