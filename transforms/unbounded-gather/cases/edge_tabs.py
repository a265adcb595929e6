import asyncio


async def work(client, x):
	return await client.get(x)


async def main(client, xs):
	if xs:
		results = await asyncio.gather(*[work(client, x) for x in xs])
		return results
