"""``GZipMiddleware``: Starlette 0.25's. Bodies of ``minimum_size`` bytes or more are compressed when the
request's Accept-Encoding mentions gzip (and the response has no Content-Encoding yet);
``Content-Encoding: gzip`` and ``Vary: Accept-Encoding`` are added. Streamed bodies are compressed chunk
by chunk, whatever their size (Starlette cannot know it in advance either), without Content-Length."""

import gzip as _gzip
import io
import typing

from ..requests import Request
from ..responses import Response
from ._util import add_vary_header, del_header, get_header, set_header
from .base import AsyncBody, BaseHTTPMiddleware, RequestResponseEndpoint, unread_body_iterator


class GZipMiddleware(BaseHTTPMiddleware):
    _streams_response = False

    def __init__(self, app: RequestResponseEndpoint, minimum_size: int = 500, compresslevel: int = 9) -> None:
        super().__init__(app)
        self.minimum_size = minimum_size
        self.compresslevel = compresslevel

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if "gzip" not in request.headers.get("accept-encoding", ""):
            return await call_next(request)
        response = await call_next(request)
        raw = response.raw_headers
        if get_header(raw, "content-encoding") is not None:
            return response
        stream = getattr(response, "body_iterator", None)
        if stream is None or unread_body_iterator(response):
            body = response.body
            if len(body) < self.minimum_size and not getattr(response, "_turbo_streamed", False):
                return response
            buffer = io.BytesIO()
            with _gzip.GzipFile(mode="wb", fileobj=buffer, compresslevel=self.compresslevel) as f:
                f.write(body)
            response.body = buffer.getvalue()
            set_header(raw, "content-encoding", "gzip")
            if get_header(raw, "content-length") is not None:
                set_header(raw, "content-length", str(len(response.body)))
            add_vary_header(raw, "Accept-Encoding")
            return response
        stat_result = getattr(response, "stat_result", None)
        if stat_result is not None and stat_result.st_size < self.minimum_size:
            return response  # a small file is one body message in Starlette: left as is
        set_header(raw, "content-encoding", "gzip")
        add_vary_header(raw, "Accept-Encoding")
        del_header(raw, "content-length")
        if type(stream) is AsyncBody and not stream.started:
            stream = stream.iterator  # an unread sync body: compressed without the event loop
        charset = getattr(response, "charset", "utf-8")
        if hasattr(stream, "__aiter__"):
            compressed: typing.Any = _gzip_async(stream, self.compresslevel, charset)
        else:
            compressed = _gzip_sync(iter(stream), self.compresslevel, charset)
        try:
            response.body_iterator = compressed
        except AttributeError:  # FileResponse's body_iterator is a read-only property
            response.__class__ = _compressed_file_class(type(response))
            response.__dict__["_compressed_iterator"] = compressed
        return response


def _chunk(chunk: typing.Any, charset: str) -> bytes:
    return chunk if isinstance(chunk, (bytes, bytearray, memoryview)) else chunk.encode(charset)


def _gzip_sync(stream: typing.Iterator[typing.Any], level: int, charset: str) -> typing.Iterator[bytes]:
    buffer = io.BytesIO()
    f = _gzip.GzipFile(mode="wb", fileobj=buffer, compresslevel=level)
    try:
        for chunk in stream:
            f.write(_chunk(chunk, charset))
            data = buffer.getvalue()
            if data:
                buffer.seek(0)
                buffer.truncate()
                yield data
        f.close()
        yield buffer.getvalue()
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


async def _gzip_async(stream: typing.AsyncIterator[typing.Any], level: int, charset: str) -> typing.AsyncIterator[bytes]:
    buffer = io.BytesIO()
    f = _gzip.GzipFile(mode="wb", fileobj=buffer, compresslevel=level)
    try:
        async for chunk in stream:
            f.write(_chunk(chunk, charset))
            data = buffer.getvalue()
            if data:
                buffer.seek(0)
                buffer.truncate()
                yield data
        f.close()
        yield buffer.getvalue()
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()


_FILE_CLASSES: typing.Dict[type, type] = {}


def _compressed_file_class(cls: type) -> type:
    sub = _FILE_CLASSES.get(cls)
    if sub is None:
        sub = type(cls.__name__, (cls,), {"body_iterator": property(lambda self: self.__dict__["_compressed_iterator"])})
        _FILE_CLASSES[cls] = sub
    return sub


__all__ = ["GZipMiddleware"]
