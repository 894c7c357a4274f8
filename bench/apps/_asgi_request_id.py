"""A small pure-ASGI request-id middleware for the FastAPI benchmark apps (Starlette has none).

Propagates the request's X-Request-ID, or generates one (uuid4, hex), and sends it back on the response:
what turboapi.middleware.requestid.RequestIdMiddleware does natively.
"""

import uuid


class RequestIdMiddleware:
    def __init__(self, app, header_name: str = "X-Request-ID") -> None:
        self.app = app
        self.header = header_name.lower().encode("latin-1")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = next((v for n, v in scope["headers"] if n == self.header), None)
        if request_id is None:
            request_id = uuid.uuid4().hex.encode("latin-1")

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (self.header, request_id)]
            await send(message)

        await self.app(scope, receive, send_with_id)
