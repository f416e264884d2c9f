"""The reconciler's own loop (orchestrator.control_loop): work crosses between the loops as
promised, and a request never waits for the reconciler's loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.app import running_app
from orchestrator.control_loop import ControlLoop, call_on
from tests.orchestrator.conftest import offline_settings


@pytest.fixture
def control() -> Iterator[ControlLoop]:
    loop = ControlLoop(name="test-control")
    loop.start()
    yield loop
    loop.stop()


async def test_work_runs_on_the_control_thread_and_its_answer_comes_back(
    control: ControlLoop,
) -> None:
    async def where() -> str:
        await asyncio.sleep(0)
        return threading.current_thread().name

    assert await control.run(where()) == "test-control"


async def test_an_error_of_the_work_reaches_the_caller(control: ControlLoop) -> None:
    async def fails() -> None:
        raise LookupError("no such store")

    with pytest.raises(LookupError, match="no such store"):
        await control.run(fails())


async def test_cancelling_the_caller_cancels_the_work(control: ControlLoop) -> None:
    started, cancelled = threading.Event(), threading.Event()

    async def forever() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    waiting = asyncio.create_task(control.run(forever()))
    await asyncio.to_thread(started.wait, 5)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await asyncio.to_thread(cancelled.wait, 5)


async def test_stop_cancels_and_names_a_task_left_behind() -> None:
    control = ControlLoop()
    control.start()

    async def start_and_forget() -> None:
        asyncio.get_running_loop().create_task(asyncio.sleep(3600), name="forgotten")

    await control.run(start_and_forget())
    control.stop()
    assert control.left_behind == ["forgotten"]


async def test_stop_abandons_a_task_that_will_not_end() -> None:
    control = ControlLoop(name="stubborn-test")
    control.start()
    release = threading.Event()

    async def start_stubborn() -> None:
        async def stubborn() -> None:
            # Swallows its cancellation and goes on waiting, the way a statement blocked on
            # a lock does: stop() must end the thread all the same.
            while not release.is_set():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.sleep(0.1)

        asyncio.get_running_loop().create_task(stubborn(), name="stubborn")

    await control.run(start_stubborn())
    try:
        await asyncio.to_thread(control.stop)
        assert control.left_behind == ["stubborn"]
        assert "stubborn-test" not in [thread.name for thread in threading.enumerate()]
    finally:
        release.set()


async def test_call_on_hands_the_action_to_the_loop_thread(control: ControlLoop) -> None:
    ran_on: list[str] = []
    done = threading.Event()

    async def loop_of_control() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    loop = await control.run(loop_of_control())

    def action() -> None:
        ran_on.append(threading.current_thread().name)
        done.set()

    call_on(loop, action)
    assert await asyncio.to_thread(done.wait, 5)
    assert ran_on == ["test-control"]


def test_call_on_a_closed_loop_does_nothing() -> None:
    loop = asyncio.new_event_loop()
    loop.close()
    ran: list[bool] = []
    call_on(loop, lambda: ran.append(True))
    assert ran == []


async def test_a_request_is_answered_while_the_reconcilers_loop_is_busy(
    postgres_database: str, tmp_path: Path
) -> None:
    """The control loop held by a long piece of work (as a reconciler pass's burst would hold
    it) does not hold up POST /stores, which also wakes the reconciler."""
    async with running_app(offline_settings(postgres_database, tmp_path)) as api:
        control: ControlLoop = api.app.state.control
        release, holding = threading.Event(), threading.Event()

        async def hold() -> None:
            holding.set()
            release.wait(30)  # blocks the loop itself, not just this task

        held = asyncio.create_task(control.run(hold()))
        try:
            assert await asyncio.to_thread(holding.wait, 5)
            async with asyncio.timeout(10):
                response = await api.client.post("/stores", json={"store_name": "busy"})
            assert response.status_code == 202
            assert not held.done()  # the control loop was still held while we were answered
        finally:
            release.set()
            await held
