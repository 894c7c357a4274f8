"""Comparison app: Form, File, UploadFile (urlencoded and multipart)."""

from typing import List, Optional

from api_compat import FastAPI, File, Form, UploadFile

app = FastAPI(title="forms", version="1.0.0")


@app.post("/form/login")
def form_login(username: str = Form(), password: str = Form()):
    return {"username": username, "password_len": len(password)}


@app.post("/form/optional")
def form_optional(a: Optional[str] = Form(None), n: int = Form(1), flag: bool = Form(False)):
    return {"a": a, "n": n, "flag": flag}


@app.post("/form/constrained")
def form_constrained(code: str = Form(min_length=3, max_length=5), n: int = Form(gt=0),
                     kind: str = Form("a", regex="^[ab]$")):
    return {"code": code, "n": n, "kind": kind}


@app.post("/form/list")
def form_list(tags: List[str] = Form([]), nums: Optional[List[int]] = Form(None)):
    return {"tags": tags, "nums": nums}


@app.post("/form/alias")
def form_alias(user_name: str = Form(alias="user-name")):
    return {"user_name": user_name}


@app.post("/form/with-query/{item_id}")
async def form_with_query(item_id: int, q: int, note: str = Form()):
    return {"item_id": item_id, "q": q, "note": note}


@app.post("/file/bytes")
def file_bytes(file: bytes = File()):
    return {"size": len(file), "head": file[:20].decode("latin-1")}


@app.post("/file/upload")
async def file_upload(file: UploadFile):
    data = await file.read()
    return {"filename": file.filename, "content_type": file.content_type, "size": len(data),
            "text": data[:40].decode("utf-8", "replace")}


@app.post("/file/upload-sync")
def file_upload_sync(file: UploadFile = File()):
    data = file.file.read()
    return {"filename": file.filename, "size": len(data)}


@app.post("/file/optional")
async def file_optional(file: Optional[UploadFile] = File(None)):
    if file is None:
        return {"file": None}
    return {"file": file.filename}


@app.post("/file/multiple")
async def file_multiple(files: List[UploadFile] = File()):
    return {"names": [f.filename for f in files], "sizes": [len(await f.read()) for f in files]}


@app.post("/file/bytes-list")
def file_bytes_list(files: List[bytes] = File()):
    return {"sizes": [len(f) for f in files]}


@app.post("/file/with-form")
async def file_with_form(token: str = Form(), count: int = Form(), file: UploadFile = File()):
    return {"token": token, "count": count, "filename": file.filename, "size": len(await file.read())}
