from turboapi import TurboAPI

from . import GREETING

app = TurboAPI()


@app.get("/")
def root():
    return {"app": "pkgapp", "greeting": GREETING}
