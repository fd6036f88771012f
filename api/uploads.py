"""Files a party sends through the portal (advice, a setting's answer): which kinds, how large, how many, and how
each is checked before a byte of it is kept.

A file is taken if its name's extension and its first bytes agree on one of KINDS (a report as PDF, Word or
OpenDocument, a scan or photograph as JPEG or PNG, or plain text), it is no larger than MAX_FILE_BYTES and it is
one of at most MAX_FILES; its name is cut to its last part and to safe characters. The whole request is held to
MAX_UPLOAD_BYTES before it is read (api/limits.py). The parser is told to keep files of that size in memory, so
what a family's adviser sends is never written to the server's temporary disk, only to the database.
"""

import re
from dataclasses import dataclass

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartParser

from api.submissions import Upload

MAX_FILES = 3
MAX_FILE_BYTES = 5 * 1024 * 1024
# Three files at their largest, the text and the form's other fields, with the multipart framing.
MAX_UPLOAD_BYTES = MAX_FILES * MAX_FILE_BYTES + 256 * 1024
MAX_FILENAME = 120
MultiPartParser.spool_max_size = MAX_FILE_BYTES + 1


@dataclass(frozen=True)
class Kind:
    content_type: str
    extensions: tuple[str, ...]
    starts: tuple[bytes, ...]  # the file's first bytes; empty for plain text, which is read instead


ZIP = (b"PK\x03\x04",)
KINDS = (
    Kind("application/pdf", (".pdf",), (b"%PDF-",)),
    Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",), ZIP),
    Kind("application/vnd.oasis.opendocument.text", (".odt",), ZIP),
    Kind("image/jpeg", (".jpg", ".jpeg"), (b"\xff\xd8\xff",)),
    Kind("image/png", (".png",), (b"\x89PNG\r\n\x1a\n",)),
    Kind("text/plain; charset=utf-8", (".txt",), ()),
)
ACCEPT = ",".join(ext for kind in KINDS for ext in kind.extensions)
KINDS_IN_WORDS = "PDF, Word (.docx), OpenDocument (.odt), JPEG, PNG or plain text (.txt)"


class UploadRefused(ValueError):
    """A file that cannot be taken; the message names it by its place in the form, never by its name or content."""


def _ordinal(n: int) -> str:
    return {1: "first", 2: "second", 3: "third"}.get(n, f"{n}th")


def clean_name(filename: str) -> str:
    """The file's own name without any folder, in letters, digits and . _ - ( ) and spaces."""
    last = re.split(r"[\\/]", filename)[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._() -]", "_", last).strip(" .") or "file"
    stem, dot, ext = cleaned.rpartition(".")
    if dot and len(ext) <= 8:
        return f"{stem[: MAX_FILENAME - len(ext) - 1]}.{ext}"
    return cleaned[:MAX_FILENAME]


def _kind(name: str, data: bytes) -> Kind | None:
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    for kind in KINDS:
        if ext not in kind.extensions:
            continue
        if kind.starts:
            return kind if data.startswith(kind.starts) else None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return kind if "\x00" not in text else None
    return None


async def checked(files: list[UploadFile]) -> list[Upload]:
    """The files sent, each checked; an empty file input (a form sent without choosing one) is no file."""
    chosen = [f for f in files if f.filename]
    if len(chosen) > MAX_FILES:
        raise UploadRefused(f"Send {MAX_FILES} files at most")
    uploads = []
    for n, file in enumerate(chosen, start=1):
        data = await file.read(MAX_FILE_BYTES + 1)
        if not data:
            raise UploadRefused(f"The {_ordinal(n)} file is empty")
        if len(data) > MAX_FILE_BYTES:
            raise UploadRefused(f"The {_ordinal(n)} file must be smaller than {MAX_FILE_BYTES // 1024 // 1024} MB")
        name = clean_name(file.filename or "")
        kind = _kind(name, data)
        if kind is None:
            raise UploadRefused(f"The {_ordinal(n)} file must be a {KINDS_IN_WORDS} file")
        uploads.append(Upload(filename=name, content_type=kind.content_type, data=data))
    return uploads
