"""How large a request may be: headers refused with 431 and bodies with 413, before they are read into memory.

Every JSON body this API takes is small (the largest, a plan with sections A to K at their maximum
lengths, is under 1.5 MB), so 2 MiB is generous; the bulk import of plans takes a file of up to
`MAX_IMPORT_BYTES`, and the settings directory the DfE's whole register, up to `MAX_REGISTER_BYTES`. A body
that announces its length is refused before a byte of it is read; one sent in chunks without a length is counted
as it arrives and refused as soon as it passes the limit.

Headers: the server's HTTP parser sets no limit of its own, and a header is read (a token verified, a cookie
parsed) on every request, so all of a request's headers together are held to `MAX_HEADER_BYTES`, as common
proxies do. A signed-in browser sends about 2 KB; a token with the most LA codes a token may carry, about 3 KB.
"""

import json

from fastapi import FastAPI, HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import PROBLEM_JSON
from api.routes.codec import MAX_CODEC_BYTES
from api.routes.plan_import import MAX_IMPORT_BYTES
from api.uploads import MAX_UPLOAD_BYTES
from intake.settings_directory import MAX_REGISTER_BYTES

DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_HEADER_BYTES = 16 * 1024
# The longest address (path and query) any route needs is under 300 bytes.
MAX_TARGET_BYTES = 8 * 1024
MAX_BODY_BYTES_BY_PATH = {
    "/plans/import": MAX_IMPORT_BYTES,
    # The DfE's register of schools and colleges, all of England (intake/settings_directory.py).
    "/settings-directory/import": MAX_REGISTER_BYTES,
    # Payloads of a workflow's history, for the Temporal UI (api/routes/codec.py).
    "/codec/decode": MAX_CODEC_BYTES,
    "/codec/encode": MAX_CODEC_BYTES,
    # An adviser's or a setting's answer with its files (api/uploads.py).
    "/portal/request": MAX_UPLOAD_BYTES,
}


def _too_large(limit: int) -> str:
    return f"The request body is larger than this endpoint accepts ({limit // 1024 // 1024} MB at most)."


class BodyLimit:
    def __init__(self, app: ASGIApp, default: int, by_path: dict[str, int]) -> None:
        self.app = app
        self.default = default
        self.by_path = by_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") > MAX_TARGET_BYTES:
            detail = f"The request's address is longer than this API accepts ({MAX_TARGET_BYTES // 1024} KB at most)."
            await _refuse(scope, send, 414, "Address too long", detail)
            return
        if sum(len(name) + len(value) for name, value in scope["headers"]) > MAX_HEADER_BYTES:
            detail = f"The request's headers are larger than this API accepts ({MAX_HEADER_BYTES // 1024} KB at most)."
            await _refuse(scope, send, 431, "Request headers too large", detail)
            return
        limit = self.by_path.get(scope["path"], self.default)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(scope, send, 413, "Request too large", _too_large(limit))
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # FastAPI re-raises an HTTPException from body reading as it is: a 413 problem+json.
                    raise HTTPException(413, _too_large(limit))
            return message

        await self.app(scope, counted, send)


async def _refuse(scope: Scope, send: Send, status: int, title: str, detail: str) -> None:
    problem = {"type": "/problems/too-large", "title": title, "status": status, "detail": detail}
    if status != 414:  # an address too long to take is not repeated back either
        problem["instance"] = scope["path"]
    body = json.dumps(problem).encode()
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
    # Close the connection: the unread body must not be taken for the next request.
    headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def install(app: FastAPI) -> None:
    app.add_middleware(BodyLimit, default=DEFAULT_MAX_BODY_BYTES, by_path=MAX_BODY_BYTES_BY_PATH)
