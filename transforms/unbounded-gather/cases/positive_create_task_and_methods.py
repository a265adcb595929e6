import asyncio


class Crawler:
    def __init__(self, client):
        self.client = client

    async def fetch(self, url):
        return await self.client.get(url)

    async def crawl(self, urls):
        # Every URL at once: the bug this transform fixes.
        return await asyncio.gather(
            *[
                asyncio.create_task(self.fetch(url))  # one task per URL
                for url in urls
            ]
        )
