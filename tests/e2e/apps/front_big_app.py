"""App for scripts/check-slow-reader: one route with a big body (100 MiB by default)."""

from turboapi import Response, TurboAPI

app = TurboAPI()


@app.get("/")
def root():
    return {"message": "Hello, World!"}


@app.get("/big")
def big(mib: int = 100):
    return Response(b"x" * (mib << 20), media_type="application/octet-stream")
