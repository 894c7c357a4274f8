"""``BackgroundTasks``: work that runs after the response has been sent, as in Starlette.

The worker calls a response's ``background`` once the response is on its way; it may return an
awaitable, which runs on the worker's event loop. Sync tasks are called directly (no thread pool).
"""

import inspect
from typing import Any, Awaitable, Callable, List, Optional


class BackgroundTask:
    """One function call to make after the response: ``BackgroundTask(func, *args, **kwargs)``."""

    def __init__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.is_async = _is_async_callable(func)

    def __call__(self) -> Optional[Awaitable[None]]:
        r = self.func(*self.args, **self.kwargs)
        return r if self.is_async else None


class BackgroundTasks(BackgroundTask):
    """Tasks added with ``add_task(func, *args, **kwargs)``, run in order after the response."""

    def __init__(self, tasks: Optional[List[BackgroundTask]] = None) -> None:
        self.tasks: List[BackgroundTask] = list(tasks) if tasks else []

    def add_task(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.tasks.append(BackgroundTask(func, *args, **kwargs))

    def __call__(self) -> Optional[Awaitable[None]]:
        tasks = self.tasks
        for i, task in enumerate(tasks):
            if task.is_async:
                return self._run_async(i)
            task()
        return None

    async def _run_async(self, start: int) -> None:
        for task in self.tasks[start:]:
            r = task()
            if r is not None:
                await r


def _is_async_callable(obj: Any) -> bool:
    while hasattr(obj, "func") and type(obj).__name__ == "partial":
        obj = obj.func
    return inspect.iscoroutinefunction(obj) or (
        callable(obj) and inspect.iscoroutinefunction(getattr(obj, "__call__", None)))


def chain_background(first: Any, then: Callable[[Optional[BaseException]], Any]) -> Callable[[], Any]:
    """A background callable running ``first`` (a response's background, may be None or return an
    awaitable) and then ``then(exc)``, also when ``first`` fails (the failure is re-raised after)."""

    def run() -> Any:
        try:
            r = first() if first is not None else None
        except BaseException as e:  # noqa: BLE001
            r2 = then(e)
            if r2 is not None and inspect.isawaitable(r2):
                return _await_then_raise(r2, e)
            raise
        if r is not None and inspect.isawaitable(r):
            return _await_first(r, then)
        return then(None)

    return run


async def _await_then_raise(awaitable: Awaitable[Any], exc: BaseException) -> None:
    await awaitable
    raise exc


async def _await_first(awaitable: Awaitable[Any], then: Callable[[Optional[BaseException]], Any]) -> None:
    try:
        await awaitable
    except BaseException as e:  # noqa: BLE001
        r = then(e)
        if r is not None and inspect.isawaitable(r):
            await r
        raise
    r = then(None)
    if r is not None and inspect.isawaitable(r):
        await r
