"""The worker pool answers jobs first come, first served, and kills only the workers it must."""

from __future__ import annotations

import asyncio
import json

import pytest

from segur_kg.rdf.reading import load_dataset
from segur_kg.server.workers import Busy, Overrun, Pool

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def job(text: str) -> dict:
    return {"op": "query", "text": text, "format": "json", "accept": None, "max_rows": 10}


def numbered(number: int) -> dict:
    return job(f"SELECT ?n WHERE {{ BIND({number} AS ?n) }}")


def value(reply) -> int:
    assert reply.status == 200, reply.body
    return int(json.loads(reply.body)["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def graph():
    return load_dataset()


def test_waiting_jobs_are_answered_in_arrival_order(graph):
    async def scenario() -> list[int]:
        pool = Pool(graph, 1)
        pool.start()
        finished: list[int] = []

        async def one(number: int) -> None:
            finished.append(value(await pool.run(numbered(number), 30)))

        try:
            await asyncio.gather(*(one(number) for number in range(20)))
        finally:
            pool.stop()
        assert pool.killed == 0
        return finished

    assert asyncio.run(scenario()) == list(range(20))


def test_a_client_that_gives_up_frees_its_place_and_kills_only_a_busy_worker(graph):
    async def scenario() -> None:
        pool = Pool(graph, 1)
        pool.start()
        try:
            running = asyncio.ensure_future(pool.run(job(CARTESIAN), 60))
            waiting = asyncio.ensure_future(pool.run(numbered(1), 60))
            await asyncio.sleep(0.5)
            waiting.cancel()  # still waiting for the worker: nothing to kill
            await asyncio.sleep(0)
            assert pool.killed == 0
            running.cancel()  # its worker is busy with it: killed and replaced
            await asyncio.gather(running, waiting, return_exceptions=True)
            assert pool.killed == 1
            assert value(await pool.run(numbered(2), 30)) == 2
        finally:
            pool.stop()

    asyncio.run(scenario())


def test_an_overrun_is_killed_and_the_jobs_behind_it_wait_or_give_up(graph):
    async def scenario() -> None:
        pool = Pool(graph, 1)
        pool.start()
        try:
            overrun = asyncio.ensure_future(pool.run(job(CARTESIAN), 1.0))
            behind = asyncio.ensure_future(pool.run(numbered(3), 0.5))  # gives up first
            patient = asyncio.ensure_future(pool.run(numbered(4), 30))
            results = await asyncio.gather(overrun, behind, patient, return_exceptions=True)
            assert isinstance(results[0], Overrun)
            assert isinstance(results[1], Busy)
            assert value(results[2]) == 4  # answered by the fresh worker
            assert pool.killed == 1
        finally:
            pool.stop()

    asyncio.run(scenario())
