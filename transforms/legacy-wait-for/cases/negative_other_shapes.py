# corral-case: target=py312
import asyncio


async def task_made_elsewhere(task):
    return await asyncio.wait_for(task, 5)


async def inside_expression(fetch):
    return [await asyncio.wait_for(fetch(), 5)]

