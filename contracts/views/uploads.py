"""Uploaded files held between the steps of an import ("Check file", map the columns, "Import").

A file is streamed in chunks to a private directory (SPEND_IMPORT_UPLOAD_DIR, by default
golden-thread-spend/ under the system's temporary directory; never under static files or the
repository), named by a random token that only this user's session holds, and removed once imported,
cancelled or replaced. Files left behind by an abandoned upload are swept after a day. With several
web servers, the directory must be shared by them (or sessions kept on one server). Spend files and
contracts registers and OCDS files are held the same way.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from pathlib import Path

from django.conf import settings

STALE_SECONDS = 24 * 60 * 60
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def upload_dir() -> Path:
    """The private directory holding uploaded files between steps (created owner-only)."""
    configured = getattr(settings, "SPEND_IMPORT_UPLOAD_DIR", "")
    path = Path(configured) if configured else Path(tempfile.gettempdir()) / "golden-thread-spend"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def held_path(token: str) -> Path | None:
    if not _TOKEN.match(token or ""):
        return None
    return upload_dir() / f"{token}.upload"


def _sweep_stale() -> None:
    """Remove files of uploads abandoned more than a day ago (another user's, or a closed tab's)."""
    cutoff = time.time() - STALE_SECONDS
    for path in upload_dir().glob("*.upload"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue


def hold_upload(upload) -> str:
    """Stream an uploaded file to the private directory in chunks, never reading it whole; return its token."""
    _sweep_stale()
    token = secrets.token_hex(16)
    path = held_path(token)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return token


def discard_upload(session, key: str) -> None:
    """Forget the upload held under `key` in the session, and remove its file."""
    held = session.pop(key, None)
    if held:
        path = held_path(held.get("token", ""))
        if path is not None:
            path.unlink(missing_ok=True)
