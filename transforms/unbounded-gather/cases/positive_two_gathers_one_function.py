import asyncio


async def get_user(api, uid):
    return await api.get(f"/users/{uid}")


async def get_order(api, oid):
    return await api.get(f"/orders/{oid}")


async def load(api, user_ids, order_ids):
    users = await asyncio.gather(*[get_user(api, u) for u in user_ids])
    if order_ids:
        orders = await asyncio.gather(*[get_order(api, o) for o in order_ids])
    else:
        orders = []
    return users, orders
