import asyncio

from demo.profiles import fetch_profile


def refresh_all(client, user_ids):
    # Sync code driving a loop: corral reports this one, it cannot place a limiter here.
    loop = asyncio.new_event_loop()
    return loop.run_until_complete(asyncio.gather(*[fetch_profile(client, u) for u in user_ids]))


async def notify(users):
    tasks = [asyncio.create_task(send(u)) for u in users]
    # The tasks are already running: a limit here would bound nothing, so corral only reports it.
    return await asyncio.gather(*[t for t in tasks])


async def send(user):
    await asyncio.sleep(0)
    return user
