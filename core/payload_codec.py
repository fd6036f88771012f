"""Workflow payloads encrypted before they leave the process: AES-256-GCM, the key named in each payload.

Workflow inputs, signals, updates, activity arguments and results carry what officers type (reasons, plan
sections) and, in activity results, the people on a case. The Temporal server keeps them in its history,
its database and its backups, and shows them to anyone with the Temporal UI; encrypted, they are readable
only by a process holding the keys (the worker and the API) and by the API's codec endpoint for the people
it admits (api/routes/codec.py).

Keys come from PAYLOAD_KEYS, "kid:base64key,kid2:base64key" (32-byte keys). The first key encrypts; every
listed key decrypts, so a key is rotated by putting a new one first and dropping the old one only once no
open history needs it (docs/payload-encryption.md). A payload that was never encrypted (histories from
before encryption) passes through decode as it is. So does the text written for ops (core/ops_text.py): summaries
and current details, which carry no personal data and are the ops staff's view of a case.
"""

import base64
import binascii
import copy
import os
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec, SerializationContext, WithSerializationContext

from core.config import Settings
from core.ops_text import stays_clear
from core.workflow_ids import case_ref_of

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
CASE_LABEL = "case-ref"
KEY_BYTES = 32
# AES-GCM's standard nonce. Random per payload: one key may seal about 2**32 payloads before the chance of a
# repeated nonce matters (NIST SP 800-38D 8.3), far beyond a key's rotation period here.
NONCE_BYTES = 12
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class PayloadKeyError(ValueError):
    """Keys or payloads that cannot be used. Messages name key ids only, never a key or a payload's content."""


def parse_keys(text: str) -> dict[str, bytes]:
    """PAYLOAD_KEYS as {kid: key}, in the order given (the first encrypts)."""
    keys: dict[str, bytes] = {}
    for position, entry in enumerate(filter(None, (part.strip() for part in text.split(","))), start=1):
        kid, separator, encoded = entry.partition(":")
        kid = kid.strip()
        if not separator or not KEY_ID_PATTERN.match(kid):
            raise PayloadKeyError(
                f"PAYLOAD_KEYS entry {position} is not 'kid:base64key' with a kid of letters, digits, '.', '_' or '-'"
            )
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError) as error:
            raise PayloadKeyError(f"PAYLOAD_KEYS key {kid!r} is not valid base64") from error
        if len(key) != KEY_BYTES:
            raise PayloadKeyError(f"PAYLOAD_KEYS key {kid!r} must be {KEY_BYTES} bytes, not {len(key)}")
        if kid in keys:
            raise PayloadKeyError(f"PAYLOAD_KEYS names key {kid!r} twice")
        keys[kid] = key
    if not keys:
        raise PayloadKeyError("PAYLOAD_KEYS holds no key")
    return keys


def new_key_entry(kid: str | None = None) -> str:
    """A fresh 'kid:base64key' entry for PAYLOAD_KEYS; the default kid is today's date (e.g. k20261201)."""
    kid = kid or f"k{datetime.now(UTC):%Y%m%d}"
    if not KEY_ID_PATTERN.match(kid):
        raise PayloadKeyError("a key id is 1 to 64 letters, digits, '.', '_' or '-'")
    return f"{kid}:{base64.b64encode(os.urandom(KEY_BYTES)).decode()}"


class EncryptionCodec(PayloadCodec, WithSerializationContext):
    """Encrypts with the first key (unless `encrypt` is off), decrypts with any key it holds.

    A payload of a case's workflow is labelled with its case reference (`CASE_LABEL`, from the workflow id the
    SDK gives as context), so the codec endpoint can decrypt it only for a manager of that case's LA. The key
    id and the label are the ciphertext's associated data: a payload relabelled with another key id or case
    fails authentication instead of being read with the wrong key or shown to the wrong LA."""

    def __init__(self, keys: Mapping[str, bytes], *, encrypt: bool = True) -> None:
        if not keys:
            raise PayloadKeyError("an encryption codec needs at least one key")
        self._ciphers = {kid: AESGCM(key) for kid, key in keys.items()}
        self.encrypting_kid = next(iter(keys)) if encrypt else None
        self.case_ref: str | None = None

    def with_context(self, context: SerializationContext) -> "EncryptionCodec":
        workflow_id = getattr(context, "workflow_id", None)
        case_ref = case_ref_of(workflow_id) if isinstance(workflow_id, str) else None
        if case_ref == self.case_ref:
            return self
        labelled = copy.copy(self)
        labelled.case_ref = case_ref
        return labelled

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        if self.encrypting_kid is None:
            return list(payloads)
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(payload) for payload in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        kid = self.encrypting_kid
        if kid is None or stays_clear(payload):
            return payload
        nonce = os.urandom(NONCE_BYTES)
        metadata = {"encoding": ENCODING, KEY_ID: kid.encode()}
        if self.case_ref is not None:
            metadata[CASE_LABEL] = self.case_ref.encode()
        sealed = self._ciphers[kid].encrypt(nonce, payload.SerializeToString(), _associated(metadata))
        return Payload(metadata=metadata, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        kid = payload.metadata.get(KEY_ID, b"").decode("utf-8", "replace")
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise PayloadKeyError(
                f"payload encrypted with key id {kid!r}, which is not in PAYLOAD_KEYS: add that key to decrypt it"
            )
        try:
            plain = cipher.decrypt(
                payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:], _associated(payload.metadata)
            )
        except (InvalidTag, ValueError) as error:  # ValueError: too short to hold a nonce
            raise PayloadKeyError(
                f"payload under key id {kid!r} failed authentication (altered or not ours)"
            ) from error
        decoded = Payload()
        decoded.ParseFromString(plain)
        return decoded


def case_label(payload: Payload) -> str | None:
    """The case an encrypted payload is labelled with, if any (payloads sealed before labels carry none)."""
    label = payload.metadata.get(CASE_LABEL)
    return label.decode("ascii", "replace") if label else None


def _associated(metadata: Mapping[str, bytes]) -> bytes:
    """What the ciphertext is bound to: the key id, and the case label when there is one (a payload sealed
    before labels was bound to its key id alone, and still opens)."""
    kid = metadata.get(KEY_ID, b"")
    label = metadata.get(CASE_LABEL)
    return kid if label is None else kid + b"|" + label


def codec_for(settings: Settings) -> EncryptionCodec | None:
    """The codec the settings ask for; an error (naming the setting, never a key) when they cannot work.

    With encryption off the keys still decrypt, so turning it off never strands a history already encrypted."""
    keys = parse_keys(settings.payload_keys.get_secret_value()) if settings.payload_keys else None
    if settings.payload_encryption == "off":
        return EncryptionCodec(keys, encrypt=False) if keys else None
    if not keys:
        raise PayloadKeyError(
            "PAYLOAD_ENCRYPTION is on but PAYLOAD_KEYS is not set: give it 'kid:base64key' "
            "(python -m cli.init_local writes one for local use; docs/payload-encryption.md)"
        )
    return EncryptionCodec(keys)
