"""Payload encryption: the codec itself, keys and their rotation, a real case's history as the server stores
it, and the codec endpoint the Temporal UI decodes through."""

import base64
import os
import stat
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import select
from temporalio.api.common.v1 import Payload
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from api.auth import Role
from api.main import create_app
from api.routes.codec import AUDIT_SUMMARY
from cli.init_local import init_local
from core.config import Settings
from core.payload_codec import (
    CASE_LABEL,
    ENCODING,
    KEY_ID,
    EncryptionCodec,
    PayloadKeyError,
    codec_for,
    new_key_entry,
    parse_keys,
)
from core.temporal_client import data_converter
from store.db import SessionMaker
from store.models import AuditEvent
from tests.driver import Officer
from tests.factories import CHILD_FAMILY, CHILD_GIVEN, TEST_PAYLOAD_KEYS, TEST_SECRET, bearer
from worker import WORKFLOWS, sandbox_runner

TYPED = f"{CHILD_GIVEN} {CHILD_FAMILY} is in hospital until March"
UI_ORIGIN = "http://localhost:8233"


def plain(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=f'"{text}"'.encode())


def absence(received: date) -> dict[str, object]:
    """An exception whose reason is personal data an officer typed."""
    return {
        "code": "absence_4_weeks",
        "reason": TYPED,
        "start": received.isoformat(),
        "end": (received + timedelta(weeks=5)).isoformat(),
        "steps": ["assessment.final_plan"],
    }


def codec(keys: str) -> EncryptionCodec:
    return EncryptionCodec(parse_keys(keys))


async def update_payloads(env: WorkflowEnvironment, case_ref: str) -> list[Payload]:
    """The payloads of the updates an assessment took, as the server stores them (sealed)."""
    history = await env.client.get_workflow_handle(f"assessment-{case_ref}").fetch_history()
    return [
        p
        for event in history.events
        if event.HasField("workflow_execution_update_accepted_event_attributes")
        for p in event.workflow_execution_update_accepted_event_attributes.accepted_request.input.args.payloads
    ]


def as_json(payloads: list[Payload]) -> dict[str, list[dict[str, object]]]:
    """The remote codec protocol's body: protobuf JSON, bytes in base64."""
    return {
        "payloads": [
            {
                "metadata": {k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
                "data": base64.b64encode(p.data).decode(),
            }
            for p in payloads
        ]
    }


def from_json(body: dict[str, list[dict[str, object]]]) -> list[Payload]:
    return [
        Payload(
            metadata={k: base64.b64decode(v) for k, v in p["metadata"].items()},  # type: ignore[attr-defined]
            data=base64.b64decode(p["data"]),  # type: ignore[arg-type]
        )
        for p in body["payloads"]
    ]


async def test_round_trip_hides_the_content_and_never_repeats_a_ciphertext() -> None:
    keys = codec(new_key_entry("k1"))
    original = plain(TYPED)
    first, second = await keys.encode([original, original])
    assert first.metadata["encoding"] == ENCODING and first.metadata[KEY_ID] == b"k1"
    assert TYPED.encode() not in first.data + second.data and b"json/plain" not in first.data
    assert first.data != second.data, "a fresh nonce per payload"
    assert await keys.decode([first, second]) == [original, original]


async def test_rotation_keeps_old_payloads_readable_and_encrypts_with_the_new_key() -> None:
    old, new = new_key_entry("2026a"), new_key_entry("2026b")
    sealed_before = (await codec(old).encode([plain(TYPED)]))[0]
    rotated = codec(f"{new},{old}")
    assert await rotated.decode([sealed_before]) == [plain(TYPED)]
    sealed_after = (await rotated.encode([plain(TYPED)]))[0]
    assert sealed_after.metadata[KEY_ID] == b"2026b"
    # A process still on the old keys only cannot read what the rotated ones wrote, and says which key it lacks.
    with pytest.raises(PayloadKeyError, match="'2026b'") as refused:
        await codec(old).decode([sealed_after])
    assert TYPED not in str(refused.value) and new.split(":")[1] not in str(refused.value)


async def test_unknown_or_altered_payloads_are_refused_naming_only_the_key_id() -> None:
    sealed = (await codec(new_key_entry("gone")).encode([plain(TYPED)]))[0]
    with pytest.raises(PayloadKeyError, match="key id 'gone', which is not in PAYLOAD_KEYS") as unknown:
        await codec(new_key_entry("other")).decode([sealed])
    assert CHILD_GIVEN not in str(unknown.value)
    entry = new_key_entry("same")
    tampered = (await codec(entry).encode([plain(TYPED)]))[0]
    tampered.data = tampered.data[:-1] + bytes([tampered.data[-1] ^ 1])
    with pytest.raises(PayloadKeyError, match="failed authentication"):
        await codec(entry).decode([tampered])
    relabelled = (await codec(f"a:{entry.split(':')[1]}").encode([plain(TYPED)]))[0]
    relabelled.metadata[KEY_ID] = b"same"
    with pytest.raises(PayloadKeyError, match="failed authentication"):
        await codec(entry).decode([relabelled])


async def test_payloads_written_before_encryption_pass_through() -> None:
    old = [plain("written in clear"), Payload(metadata={"encoding": b"binary/null"})]
    assert await codec(new_key_entry()).decode(old) == old


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("", "holds no key"),
        ("nokid", "entry 1 is not 'kid:base64key'"),
        ("k1:not base64!", "'k1' is not valid base64"),
        (f"k1:{base64.b64encode(b'short').decode()}", "'k1' must be 32 bytes, not 5"),
        (f"{new_key_entry('k1')},{new_key_entry('k1')}", "names key 'k1' twice"),
        ("bad kid:AAAA", "entry 1 is not"),
    ],
)
def test_bad_keys_are_refused_without_echoing_them(keys: str, message: str) -> None:
    with pytest.raises(PayloadKeyError, match=message) as refused:
        parse_keys(keys)
    for part in keys.replace(",", ":").split(":")[1:]:
        assert not part or len(part) < 8 or part not in str(refused.value)


def test_the_worker_and_api_refuse_to_start_without_keys_while_encryption_is_on() -> None:
    without = Settings(auth_jwt_secret=TEST_SECRET, payload_keys=None, payload_encryption="on")
    with pytest.raises(PayloadKeyError, match="PAYLOAD_ENCRYPTION is on but PAYLOAD_KEYS is not set"):
        data_converter(without)
    with pytest.raises(PayloadKeyError, match="PAYLOAD_KEYS is not set"):
        create_app(without)
    assert codec_for(without.model_copy(update={"payload_encryption": "off"})) is None


async def test_with_encryption_off_the_keys_still_read_what_was_encrypted() -> None:
    entry = new_key_entry("k1")
    sealed = (await codec(entry).encode([plain(TYPED)]))[0]
    off = codec_for(Settings(payload_keys=entry, payload_encryption="off"))
    assert off is not None
    assert await off.encode([plain(TYPED)]) == [plain(TYPED)]
    assert await off.decode([sealed]) == [plain(TYPED)]


def test_init_local_writes_secrets_once_readable_by_the_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "local.env"
    assert init_local(path) is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written = path.read_text()
    assert init_local(path) is False and path.read_text() == written, "never overwritten"
    read = Settings(_env_file=path)
    assert read.auth_jwt_secret is not None and len(read.auth_jwt_secret.get_secret_value()) >= 48
    assert read.payload_keys is not None and list(parse_keys(read.payload_keys.get_secret_value())) == ["local1"]
    assert codec_for(read) is not None


async def test_a_case_history_holds_only_ciphertext_and_still_reads_and_replays(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings, sessions: SessionMaker
) -> None:
    officer = Officer(api, env)
    received = await officer.today()
    case_ref = await officer.open(received)
    await officer.act("exceptions", absence(received))

    # Read as anyone with access to the Temporal service alone would: a client without the codec.
    outsider = await Client.connect(
        env.client.service_client.config.target_host, data_converter=pydantic_data_converter
    )
    history = await outsider.get_workflow_handle(f"assessment-{case_ref}").fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes.input.payloads
    assert started and all(p.metadata["encoding"] == ENCODING for p in started)
    raw = b"".join(event.SerializeToString() for event in history.events)
    assert TYPED.encode() not in raw and case_ref.encode() not in b"".join(p.data for p in started)
    # What ops read in the UI stays readable without the keys: the summary and what the case waits for.
    handle = outsider.get_workflow_handle(f"assessment-{case_ref}")
    assert await (await handle.describe()).static_summary() == f"EHC needs assessment · case {case_ref} · LA 202"
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    assert "**Waiting for:** " in metadata.current_details and CHILD_GIVEN not in metadata.current_details

    case = await officer.case()
    assert case["exceptions"][0]["reason"] == TYPED and case["child"]["given_name"] == CHILD_GIVEN
    await Replayer(
        workflows=WORKFLOWS, data_converter=data_converter(settings), workflow_runner=sandbox_runner()
    ).replay_workflow(history)

    # A manager's Temporal UI decodes the same payloads through the API, and the read is audited.
    for _ in range(3):
        decoded = await api.post("/codec/decode", json=as_json(list(started)), headers={"X-Namespace": "default"})
        assert decoded.status_code == 200, decoded.text
    assert case_ref.encode() in b"".join(p.data for p in from_json(decoded.json()))
    async with sessions() as session:
        audit = (
            await session.exec(
                select(AuditEvent).where(AuditEvent.case_ref == case_ref, AuditEvent.actor == "manager.one")
            )
        ).all()
    assert [(a.action, a.summary) for a in audit if a.event_key.startswith("codec:")] == [
        ("personal_data_viewed", AUDIT_SUMMARY)
    ], "once per user, case and window however many calls the UI makes"


async def test_the_codec_endpoint_decrypts_for_managers_only(api: httpx.AsyncClient, settings: Settings) -> None:
    sealed = await codec_for(settings).encode([plain(TYPED)])  # type: ignore[union-attr]
    body = as_json(list(sealed))
    officer = bearer(settings, Role.CASE_OFFICER, ["202"], sub="officer.codec")
    ops = bearer(settings, Role.OPS, ["202"], sub="ops.codec")
    assert (await api.post("/codec/decode", json=body, headers=officer)).status_code == 403
    # Ops share the managers' UI: their decode calls answer, with the payloads as they came.
    as_ops = await api.post("/codec/decode", json=body, headers=ops)
    assert as_ops.status_code == 200 and from_json(as_ops.json()) == list(sealed)
    assert (await api.post("/codec/decode", json=body, headers={"Authorization": ""})).status_code == 401
    assert (await api.post("/codec/encode", json=as_json([plain("x")]), headers=officer)).status_code == 403

    encoded = await api.post("/codec/encode", json=as_json([plain("signal input")]), headers=ops)
    assert encoded.status_code == 200, encoded.text
    [ciphertext] = from_json(encoded.json())
    assert ciphertext.metadata["encoding"] == ENCODING and b"signal input" not in ciphertext.data
    # Sealed without a case (the UI's own encode has none) and naming none: no LA's manager is shown it.
    decoded = await api.post("/codec/decode", json=encoded.json())
    assert from_json(decoded.json()) == [ciphertext]


async def test_the_codec_endpoint_opens_a_payload_only_for_a_manager_of_its_cases_la(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings
) -> None:
    officer = Officer(api, env)
    received = await officer.today()
    case_ref = await officer.open(received)  # LA 202
    await officer.act("exceptions", absence(received))
    sealed = await update_payloads(env, case_ref)
    assert sealed and all(p.metadata[CASE_LABEL] == case_ref.encode() for p in sealed)
    home = await api.post("/codec/decode", json=as_json(sealed), headers=bearer(settings, Role.MANAGER, ["202"]))
    assert TYPED.encode() in b"".join(p.data for p in from_json(home.json()))
    # A manager of another LA gets the payloads back sealed, as they came, and nothing is audited for them.
    away = await api.post("/codec/decode", json=as_json(sealed), headers=bearer(settings, Role.MANAGER, ["330"]))
    assert away.status_code == 200 and from_json(away.json()) == sealed

    # A payload sealed before labels opens only where every case it names is the caller's.
    legacy = await codec(TEST_PAYLOAD_KEYS).encode([plain(f'{{"case_ref": "{case_ref}"}}')])
    assert CASE_LABEL not in legacy[0].metadata
    for las, opened in ((["202"], True), (["330"], False)):
        answer = await api.post("/codec/decode", json=as_json(legacy), headers=bearer(settings, Role.MANAGER, las))
        assert (from_json(answer.json()) != legacy) is opened

    # Relabelled to a case of the caller's LA, a payload fails authentication: the label cannot be forged.
    other_case = await Officer(api, env).open(await officer.today(), la_code="330")
    forged = Payload(metadata={**sealed[0].metadata, CASE_LABEL: other_case.encode()}, data=sealed[0].data)
    refused = await api.post("/codec/decode", json=as_json([forged]), headers=bearer(settings, Role.MANAGER, ["330"]))
    assert refused.status_code == 400 and "failed authentication" in refused.json()["detail"]
    assert TYPED not in refused.text


async def test_the_codec_endpoint_answers_the_ui_origin_and_refuses_bad_bodies(api: httpx.AsyncClient) -> None:
    preflight = {
        "Origin": UI_ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
    }
    answer = await api.options("/codec/decode", headers={**preflight, "Authorization": ""})
    assert answer.status_code == 200, answer.text
    assert answer.headers["access-control-allow-origin"] == UI_ORIGIN
    assert "x-namespace" in answer.headers["access-control-allow-headers"].lower()
    elsewhere = await api.options("/codec/decode", headers={**preflight, "Origin": "https://evil.example"})
    assert elsewhere.status_code == 400 and "access-control-allow-origin" not in elsewhere.headers
    # The rest of the API is not opened to the UI's origin.
    assert "access-control-allow-origin" not in (await api.options("/cases", headers=preflight)).headers
    decoded = await api.post("/codec/decode", json={"payloads": []}, headers={"Origin": UI_ORIGIN})
    assert decoded.status_code == 200 and decoded.headers["access-control-allow-origin"] == UI_ORIGIN

    malformed = await api.post("/codec/decode", json={"payloads": [{"metadata": {"encoding": "!!"}, "data": ""}]})
    assert malformed.status_code == 400 and malformed.json()["detail"] == "payloads[0].metadata.encoding is not base64."
    surrogate = await api.post(
        "/codec/decode",
        content=b'{"payloads": [{"metadata": {"\\ud800": ""}}]}',
        headers={"content-type": "application/json"},
    )
    assert surrogate.status_code == 400, surrogate.text
    unknown = (await codec(new_key_entry("elsewhere")).encode([plain(TYPED)]))[0]
    refused = await api.post("/codec/decode", json=as_json([unknown]))
    assert refused.status_code == 400 and "'elsewhere'" in refused.json()["detail"]
    assert CHILD_GIVEN not in refused.text
    other = await api.post("/codec/decode", json={"payloads": []}, headers={"X-Namespace": "another"})
    assert other.status_code == 400 and "namespace default only" in other.json()["detail"]
    huge = os.urandom(6 * 1024 * 1024)
    oversize = await api.post("/codec/decode", json=as_json([Payload(metadata={"encoding": ENCODING}, data=huge)]))
    assert oversize.status_code == 413 and oversize.headers["content-type"] == "application/problem+json"


async def test_under_make_run_the_local_ui_decodes_without_a_token_from_this_machine_only(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings, sessions: SessionMaker
) -> None:
    """`make run`'s Temporal UI has no sign-in: with CODEC_TRUST_LOOPBACK its token-less calls from this machine
    are the local stack's manager (no "Codec Server could not connect" banner), audited as such; a call from
    anywhere else, or with the setting off, still needs a token."""
    officer = Officer(api, env)
    received = await officer.today()
    case_ref = await officer.open(received)
    await officer.act("exceptions", absence(received))
    sealed = await update_payloads(env, case_ref)
    local = settings.model_copy(update={"codec_trust_loopback": True})
    app = create_app(local, temporal=env.client, sessions=sessions, clock=env.get_current_time)

    async def decode(client_host: str, trusted_app: bool = True) -> httpx.Response:
        transport = httpx.ASGITransport(app=app if trusted_app else api_app, client=(client_host, 51000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as ui:
            return await ui.post("/codec/decode", json=as_json(sealed), headers={"Origin": UI_ORIGIN})

    api_app = create_app(settings, temporal=env.client, sessions=sessions)
    async with app.router.lifespan_context(app), api_app.router.lifespan_context(api_app):
        here = await decode("127.0.0.1")
        assert here.status_code == 200, here.text
        assert TYPED.encode() in b"".join(p.data for p in from_json(here.json()))
        assert (await decode("10.1.2.3")).status_code == 401
        assert (await decode("127.0.0.1", trusted_app=False)).status_code == 401
    async with sessions() as session:
        actors = set((await session.exec(select(AuditEvent.actor).where(AuditEvent.case_ref == case_ref))).all())
    assert "temporal-ui.local" in actors


async def test_ops_read_the_timelines_labels_and_nothing_else(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings
) -> None:
    """A timer's and an activity's summary are the timeline's words for ops ("reminder: … due 12 Nov 2026"): the
    codec opens them for ops, while every input stays sealed for them."""
    officer, received = await Officer.with_request_today(api, env)
    await officer.act("exceptions", absence(received))
    history = await env.client.get_workflow_handle(f"assessment-{officer.case_ref}").fetch_history()
    labels = [e.user_metadata.summary for e in history.events if e.user_metadata.HasField("summary")]
    inputs = await update_payloads(env, officer.case_ref)
    ops = bearer(settings, Role.OPS, ["202"])
    answer = await api.post("/codec/decode", json=as_json(labels + inputs), headers=ops)
    opened = from_json(answer.json())
    assert all(p.metadata["encoding"] == b"json/plain" for p in opened[: len(labels)])
    assert any(b"reminder: " in p.data for p in opened[: len(labels)])
    assert [p.data for p in opened[len(labels) :]] == [p.data for p in inputs]  # sealed, as they came


def sealed_labels(node: object) -> Iterator[bytes | None]:
    """The case label of every encrypted payload anywhere in a history's JSON form, however deeply it sits."""
    if isinstance(node, dict):
        metadata = node.get("metadata")
        if isinstance(metadata, dict) and metadata.get("encoding") == base64.b64encode(ENCODING).decode():
            label = metadata.get(CASE_LABEL)
            yield base64.b64decode(label) if label else None
        for value in node.values():
            yield from sealed_labels(value)
    elif isinstance(node, list):
        for value in node:
            yield from sealed_labels(value)


async def test_every_payload_in_a_case_history_is_labelled_with_its_own_case(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """The worker answers its payloads' context itself, not from inside the sandbox (core/payload_context.py):
    what it writes (read-model syncs, activity inputs, update outcomes) is labelled with its case as what the API
    writes is, so the codec endpoint opens it for that case's LA alone."""
    officer, received = await Officer.with_request_today(api, env)
    await officer.act("exceptions", absence(received))
    history = await env.client.get_workflow_handle(f"assessment-{officer.case_ref}").fetch_history()
    events = history.to_json_dict()["events"]
    written = (
        "markerRecordedEventAttributes",
        "activityTaskScheduledEventAttributes",
        "workflowExecutionUpdateCompletedEventAttributes",
    )
    by_worker = [label for event in events for key in written if key in event for label in sealed_labels(event[key])]
    assert len(by_worker) >= 3
    labels = set(sealed_labels(events))
    assert labels == {officer.case_ref.encode()}
