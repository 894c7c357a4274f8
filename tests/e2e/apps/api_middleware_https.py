"""Comparison app: HTTPSRedirectMiddleware (every request over plain HTTP is redirected)."""

from api_compat import FastAPI, HTTPSRedirectMiddleware

app = FastAPI(title="middleware_https", version="1.0.0")
app.add_middleware(HTTPSRedirectMiddleware)


@app.get("/p")
def p():
    return {"p": True}
