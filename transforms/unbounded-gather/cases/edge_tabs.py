import asyncio


async def work(x):
	return x


async def main(xs):
	if xs:
		results = await asyncio.gather(*[work(x) for x in xs])
		return results
