import asyncio


async def fetch(session, url):
    return await session.get(url)


async def fetch_page(session, page):
    # Each page fans out again: 10 pages x 10 links would be 100 in flight under per-call limits.
    return await asyncio.gather(*[fetch(session, link) for link in page.links])


async def fetch_site(session, pages):
    return await asyncio.gather(*[fetch_page(session, p) for p in pages])
