import asyncio


class Hub:
    def __init__(self, plugins, receivers):
        self.plugins = plugins
        self.receivers = receivers
        self.clients = []

    async def close(self):
        # Stop hooks of every plugin: lifecycle, not network work over data.
        await asyncio.gather(*[p.close() for p in self.plugins])
        await asyncio.gather(*[c.aclose() for c in self.clients])

    async def send(self, signal):
        # Signal receivers registered at startup.
        return await asyncio.gather(*[r(signal) for r in self.receivers])

    async def refresh(self, entities):
        # Local state of entities.
        return await asyncio.gather(*[e.async_update_state() for e in entities])
