"""The embedded data directory is the user's alone: directories 0700, files 0600.

It holds the SQLite database, the local objects, the dev signing key and the
URL-signing secret. What already exists is left as it is (an operator may have
chosen its mode); what kjede creates, it creates private.
"""

from __future__ import annotations

import os
from pathlib import Path

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def private_directory(path: Path) -> Path:
    """Create `path` and every missing parent with mode 0700."""
    missing: list[Path] = []
    current = Path(path)
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIRECTORY_MODE)
        except FileExistsError:
            continue  # created meanwhile by another process
        os.chmod(directory, DIRECTORY_MODE)  # whatever the umask
    return path


def private_file(path: Path) -> bool:
    """Create `path` empty with mode 0600 (and its directory private) unless it
    exists; True when it was created here."""
    private_directory(path.parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    os.close(descriptor)
    os.chmod(path, FILE_MODE)
    return True
