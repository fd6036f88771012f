"""The remote codec for the Temporal UI and CLI: POST /codec/decode and /codec/encode.

Workflow payloads are encrypted (core/payload_codec.py), so the UI shows ciphertext unless it can ask a codec
server to decode; this is that server, in Temporal's remote codec protocol (a `Payloads` message as JSON,
bytes in base64, the namespace in `X-Namespace`). The browser calls it directly, so it answers CORS
preflights for the UI's origins (CODEC_CORS_ORIGINS) and nothing else of the API does.

Who may call it (docs/payload-encryption.md):
- decode: managers decrypt, for the cases of their own LAs only. Decoded payloads hold what officers typed
  and, in activity results, the people on a case. Each payload of a case's workflow is labelled with its case
  reference when sealed (core/payload_codec.py), and opened only if that case is now held by one of the caller's
  LAs; one sealed before labels is opened only if every case reference it names is. Any other payload comes
  back sealed, as it came: a manager of another LA, or a payload of no case, sees ciphertext. Every call that
  opens a payload is audited (who, which cases, once per user, case and ten minutes), never with any content.
  Ops get
  the payloads back as they came: the UI they share with managers calls the codec for every payload, and
  what ops need (summaries and current details, core/ops_text.py) is in clear already. Case officers read cases
  through the API, where each read is scoped to their LAs.
- encode: managers and ops. Encrypting reveals nothing (the caller supplies the plaintext and gets back what
  only the worker can read); it lets someone already allowed by Temporal to signal or start a workflow from
  the UI or CLI do so. Whether they may is Temporal's authorisation, not the codec's.
"""

import base64
import binascii
import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, FastAPI, Header, Request
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from temporalio.api.common.v1 import Payload

from api.auth import Role, User, allow, issue_token
from api.deps import SessionDep, SettingsDep
from api.problems import Problem
from core.config import Settings
from core.payload_codec import EncryptionCodec, PayloadKeyError, case_label
from statutory.local_authorities import ENGLAND
from store.models import AuditEvent, Case

PREFIX = "/codec"
# A Temporal payload is at most 2 MB (the server's blob size limit) and a request carries a few of them,
# base64-encoded (4/3 the size): room for that, well short of anything that would strain the API.
MAX_CODEC_BYTES = 8 * 1024 * 1024
# The case references a decoded payload names ("case_ref": "202-…"), for the audit trail.
CASE_REF_FIELD = re.compile(rb'"case_ref"\s*:\s*"([A-Z0-9]{2,10}-[A-Z0-9]{4,20})"')
MAX_AUDITED_CASES = 50
AUDIT_WINDOW_MINUTES = 10
AUDIT_SUMMARY = (
    f"workflow payloads decoded through the codec endpoint (recorded once per {AUDIT_WINDOW_MINUTES} minutes)"
)

router = APIRouter(prefix=PREFIX, tags=["Temporal codec"])
log = structlog.get_logger(__name__)
Watcher = Annotated[User, Depends(allow(Role.MANAGER, Role.OPS))]


class CodecPayload(BaseModel):
    """A `temporal.api.common.v1.Payload` in protobuf JSON: metadata values and data in base64."""

    metadata: dict[str, str] = Field(default_factory=dict)
    data: str = ""


class CodecPayloads(BaseModel):
    payloads: list[CodecPayload]


def _bytes(text: str, where: str) -> bytes:
    """Protobuf JSON bytes: standard or URL-safe base64, padding optional, and nothing else."""
    normalised = text.strip().replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(normalised + "=" * (-len(normalised) % 4), validate=True)
    except (binascii.Error, ValueError) as error:
        raise Problem(400, "Malformed payload", f"{where} is not base64.", "/problems/codec") from error


def _from_json(body: CodecPayloads) -> list[Payload]:
    payloads = []
    for i, p in enumerate(body.payloads):
        metadata = {key: _bytes(value, f"payloads[{i}].metadata.{key}") for key, value in p.metadata.items()}
        try:
            payloads.append(Payload(metadata=metadata, data=_bytes(p.data, f"payloads[{i}].data")))
        except ValueError as error:  # a metadata key that is not UTF-8 (a lone surrogate)
            raise Problem(400, "Malformed payload", f"payloads[{i}] has a metadata key that is not text.") from error
    return payloads


def _to_json(payloads: list[Payload]) -> CodecPayloads:
    return CodecPayloads(
        payloads=[
            CodecPayload(
                metadata={key: base64.b64encode(value).decode() for key, value in p.metadata.items()},
                data=base64.b64encode(p.data).decode(),
            )
            for p in payloads
        ]
    )


def _codec(request: Request, settings: SettingsDep, namespace: str | None) -> EncryptionCodec | None:
    if namespace is not None and namespace != settings.temporal_namespace:
        raise Problem(
            400,
            "Another namespace",
            f"This API holds the keys of namespace {settings.temporal_namespace} only.",
            "/problems/codec",
        )
    return request.app.state.payload_codec


NamespaceHeader = Annotated[str | None, Header(alias="X-Namespace", description="The UI's current namespace")]


@router.post("/decode", response_model=CodecPayloads)
async def decode(
    body: CodecPayloads,
    request: Request,
    user: Watcher,
    settings: SettingsDep,
    session: SessionDep,
    namespace: NamespaceHeader = None,
) -> CodecPayloads:
    """Decrypt payloads for the Temporal UI or CLI (managers, audited by the cases the payloads name); ops get
    them back unchanged."""
    codec = _codec(request, settings, namespace)
    sealed = _from_json(body)
    if user.role is not Role.MANAGER or codec is None:
        return _to_json(sealed)
    try:
        opened = await codec.decode(sealed)
    except PayloadKeyError as error:
        raise Problem(400, "Payload cannot be decoded", str(error), "/problems/codec") from error
    named = [_cases_named(s, o) for s, o in zip(sealed, opened, strict=True)]
    las = await _las_of(session, {ref for refs in named for ref in refs})
    shown = [bool(refs) and all(las.get(ref) in user.la_codes for ref in refs) for refs in named]
    cases = sorted({ref for refs, show in zip(named, shown, strict=True) if show for ref in refs})
    if any(shown):
        await _audit(session, user, cases[:MAX_AUDITED_CASES])
    log.info("payloads decoded", actor=user.sub, payloads=sum(shown), withheld=len(shown) - sum(shown))
    return _to_json([o if show else s for s, o, show in zip(sealed, opened, shown, strict=True)])


def _cases_named(sealed: Payload, opened: Payload) -> set[str]:
    """The cases a payload belongs to: its label, or for a payload sealed before labels, the case references
    its content names. A payload that names none is of no case a manager can be shown to own."""
    label = case_label(sealed)
    if label is not None:
        return {label}
    if opened is sealed:  # never encrypted: it names what it names in the clear
        return set()
    return {ref.decode() for ref in CASE_REF_FIELD.findall(opened.data)}


async def _las_of(session: AsyncSession, case_refs: set[str]) -> dict[str, str]:
    """Each case's LA now (a plan that moved between LAs is the receiving LA's)."""
    if not case_refs:
        return {}
    rows = await session.exec(select(Case.case_ref, Case.la_code).where(col(Case.case_ref).in_(case_refs)))
    return dict(rows.all())


async def _audit(session: AsyncSession, user: User, cases: list[str]) -> None:
    """One line per user, case and window: the UI and CLI decode a history a payload or an event at a time,
    so a line per call would bury the trail; the event key makes a repeat in the same window a no-op."""
    now = datetime.now(UTC)
    window = now.replace(minute=now.minute - now.minute % AUDIT_WINDOW_MINUTES, second=0, microsecond=0)
    for case_ref in cases:
        key = "codec:" + hashlib.sha256(f"{user.sub}|{case_ref}|{window.isoformat()}".encode()).hexdigest()[:40]
        if (await session.exec(select(AuditEvent.id).where(AuditEvent.event_key == key))).first() is not None:
            continue
        session.add(
            AuditEvent(
                event_key=key,
                case_ref=case_ref,
                action="personal_data_viewed",
                actor=user.sub,
                summary=AUDIT_SUMMARY,
                at=now,
            )
        )
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()  # already recorded in this window (another of the UI's parallel calls)


@router.post("/encode", response_model=CodecPayloads)
async def encode(
    body: CodecPayloads,
    request: Request,
    user: Watcher,
    settings: SettingsDep,
    namespace: NamespaceHeader = None,
) -> CodecPayloads:
    """Encrypt payloads that the Temporal UI or CLI is about to send (managers and ops)."""
    codec = _codec(request, settings, namespace)
    payloads = _from_json(body)
    if codec is not None:
        payloads = await codec.encode(payloads)
    log.info("payloads encoded", actor=user.sub, payloads=len(payloads))
    return _to_json(payloads)


LOCAL_UI = "temporal-ui.local"  # who the local UI's codec calls are, in the audit trail


class CodecCors:
    """CORS for the codec paths only: the UI's origins may call them from the browser, with the user's
    access token; the rest of the API stays same-origin. Preflights are answered here, before any auth.

    Under `make run` (CODEC_TRUST_LOOPBACK) a call from this machine with no token is given one: a manager of
    every English LA, short-lived, so the local UI decodes without a sign-in it does not have, and the call is
    checked, scoped and audited like any other."""

    def __init__(self, app: ASGIApp, origins: list[str], settings: Settings) -> None:
        self.app = app
        self.settings = settings if settings.codec_trust_loopback else None
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=["POST"],
            allow_headers=["authorization", "content-type", "x-namespace"],
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX + "/"):
            await self.cors(self._local_ui(scope), receive, send)
        else:
            await self.app(scope, receive, send)

    def _local_ui(self, scope: Scope) -> Scope:
        headers = scope["headers"]
        if self.settings is None or scope["method"] != "POST" or any(k == b"authorization" for k, _ in headers):
            return scope
        if (scope.get("client") or ("", 0))[0] not in LOOPBACK:
            return scope
        token = issue_token(self.settings, LOCAL_UI, Role.MANAGER, list(ENGLAND), timedelta(minutes=5))
        return {**scope, "headers": [*headers, (b"authorization", f"Bearer {token}".encode())]}


LOOPBACK = ("127.0.0.1", "::1")


def install(app: FastAPI, settings: Settings) -> None:
    origins = [o.strip().rstrip("/") for o in settings.codec_cors_origins.split(",") if o.strip()]
    app.add_middleware(CodecCors, origins=origins, settings=settings)
    app.include_router(router)
