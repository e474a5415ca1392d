"""Feature workers (ui/tasks.py): the work runs off the UI thread, its result comes back as a typed message,
a failure is either the screen's own (a ``Failed`` subclass) or goes to the app's error reporter."""

from __future__ import annotations

import threading
from typing import Any

from textual import on
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import Static

from quilltap_tui.errors import Invalid
from quilltap_tui.ui.tasks import Failed, async_work, blocking_work


class Answer(Message, bubble=False):
    def __init__(self, value: int, thread: str) -> None:
        super().__init__()
        self.value = value
        self.thread = thread


class OwnFailure(Failed):
    pass


class Worksite(Static):
    def __init__(self) -> None:
        super().__init__()
        self.answers: list[Answer] = []
        self.own_failures: list[BaseException] = []

    @blocking_work(group="double")
    def double(self, value: int) -> Answer:
        if value < 0:
            raise Invalid("value", "A negative value cannot be doubled.")
        return Answer(value * 2, threading.current_thread().name)

    @blocking_work(group="checked", failure=OwnFailure)
    def checked(self) -> Answer:
        raise Invalid("value", "This one is handled beside the field.")

    @async_work(group="slow")
    async def slow(self, value: int) -> Answer:
        return Answer(value + 1, threading.current_thread().name)

    @on(Answer)
    def _answer(self, message: Answer) -> None:
        self.answers.append(message)

    @on(OwnFailure)
    def _own_failure(self, message: OwnFailure) -> None:
        message.stop()
        self.own_failures.append(message.error)


class Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.reported: list[BaseException] = []

    def compose(self) -> ComposeResult:
        yield Worksite()

    def on_failed(self, message: Failed) -> None:
        self.reported.append(message.error)


async def _drain(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_a_blocking_worker_runs_in_a_thread_and_posts_its_typed_message() -> None:
    app = Host()
    async with app.run_test() as pilot:
        site = app.query_one(Worksite)
        site.double(21)
        await _drain(pilot)
        assert [a.value for a in site.answers] == [42]
        assert site.answers[0].thread != threading.main_thread().name  # not on the UI thread
        site.slow(1)
        await _drain(pilot)
        assert [a.value for a in site.answers] == [42, 2]
        assert app.reported == []


async def test_a_failure_goes_to_the_app_unless_the_screen_names_its_own() -> None:
    app = Host()
    async with app.run_test() as pilot:
        site = app.query_one(Worksite)
        site.double(-1)
        await _drain(pilot)
        assert [str(e) for e in app.reported] == ["A negative value cannot be doubled."]
        site.checked()
        await _drain(pilot)
        assert [str(e) for e in site.own_failures] == ["This one is handled beside the field."]
        assert len(app.reported) == 1  # the screen's own failure did not reach the app too
        assert site.answers == []
