# corral-case: timeout=5 target=py311
import httpx


async def swallows(client: httpx.AsyncClient, urls):
    results = []
    for u in urls:
        try:
            results.append(await client.get(u))
        except BaseException:
            results.append(None)
    return results
