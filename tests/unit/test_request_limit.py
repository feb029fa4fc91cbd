"""The resizable request limit: places in order, growing and shrinking while held."""

from __future__ import annotations

import asyncio

from regview.registry.request_limit import RequestLimit


async def test_places_are_given_in_order_and_growing_wakes_waiters() -> None:
    limit = RequestLimit(2)
    await limit.acquire()
    await limit.acquire()
    order: list[int] = []

    async def wait(i: int) -> None:
        await limit.acquire()
        order.append(i)

    waiters = [asyncio.create_task(wait(i)) for i in range(4)]
    await asyncio.sleep(0)
    assert order == [] and limit.held == 2
    limit.resize(4)  # two more places: the first two waiters get them
    await asyncio.sleep(0)
    assert order == [0, 1] and limit.held == 4
    limit.release()
    await asyncio.sleep(0)
    assert order == [0, 1, 2]
    limit.release()
    await asyncio.gather(*waiters)
    assert order == [0, 1, 2, 3] and limit.held == 4


async def test_shrinking_holds_new_places_back_until_enough_are_returned() -> None:
    limit = RequestLimit(3)
    for _ in range(3):
        await limit.acquire()
    limit.resize(1)
    late = asyncio.create_task(limit.acquire())
    limit.release()
    limit.release()
    await asyncio.sleep(0)
    assert not late.done()  # 1 held, 1 place: no room yet
    limit.release()
    await asyncio.wait_for(late, 1)
    assert limit.held == 1 and limit.size == 1


async def test_a_cancelled_waiter_gives_its_place_on() -> None:
    limit = RequestLimit(1)
    await limit.acquire()
    cancelled = asyncio.create_task(limit.acquire())
    after = asyncio.create_task(limit.acquire())
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.sleep(0)
    limit.release()
    await asyncio.wait_for(after, 1)
    assert cancelled.cancelled() and limit.held == 1


def test_the_size_is_at_least_one() -> None:
    assert RequestLimit(0).size == 1
    limit = RequestLimit(5)
    limit.resize(-3)
    assert limit.size == 1
