import asyncio


async def get_user(uid):
    return uid


async def get_order(oid):
    return oid


async def load(user_ids, order_ids):
    users = await asyncio.gather(*[get_user(u) for u in user_ids])
    if order_ids:
        orders = await asyncio.gather(*[get_order(o) for o in order_ids])
    else:
        orders = []
    return users, orders
