import asyncio


class Worker:
    def __init__(self, session, address):
        self.session = session
        self.address = address

    def __await__(self):
        return self.session.get(self.address).__await__()


async def probe_workers(session, addresses):
    workers = [Worker(session, a) for a in addresses]
    await asyncio.gather(*workers)
    # The list outlives the gather: bounding would change what it holds.
    return workers
