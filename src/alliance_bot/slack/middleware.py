"""Our Bolt middlewares: one signature, `(body, context, next)`, and `direct`, which has Bolt call
them with just that.

Bolt wraps a middleware function in `AsyncCustomMiddleware`, which on every call, for every
middleware, builds the whole dict of thirty-odd arguments it could inject (the payload's six
views, `say`, `respond`, `complete`, …) and then keeps the ones the function names: a py-spy
profile of `serve` under wrk put `build_async_required_kwargs` at 6.4% of the main thread, four
of its five calls per request ours. An `AsyncMiddleware` of Bolt's own interface is called with
the request itself, so `direct` hands over the three arguments ours take.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

Next = Callable[[], Awaitable[Any]]
Middleware = Callable[[dict[str, Any], AsyncBoltContext, Next], Awaitable[BoltResponse | None]]
"""`(body, context, next)`: return a response to answer the request without going on (Bolt then
runs no listener), or call `next()` and return None."""


class _Direct(AsyncMiddleware):
    def __init__(self, middleware: Middleware) -> None:
        self._middleware = middleware

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Next
    ) -> BoltResponse | None:
        return await self._middleware(req.body, req.context, next)

    @property
    def name(self) -> str:  # what Bolt's debug log calls it
        return f"direct({getattr(self._middleware, '__qualname__', self._middleware)})"


def direct(middleware: Middleware) -> AsyncMiddleware:
    """`middleware` as Bolt calls its own: for `app.use`."""
    return _Direct(middleware)


__all__ = ["Middleware", "Next", "direct"]
