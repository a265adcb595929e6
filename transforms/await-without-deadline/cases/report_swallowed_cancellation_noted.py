# corral-case: timeout=5 target=py311
import asyncio


async def swallows(hosts):
    results = []
    for host in hosts:
        try:
            reader, writer = await asyncio.open_connection(host, 80)
            results.append(await reader.readline())
        except BaseException:
            results.append(None)
    return results
