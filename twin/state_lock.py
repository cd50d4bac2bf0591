"""One writer per offline state directory: an flock on `<state dir>/<stack>.lock`, held for a whole command.

A command that reads and writes a stack's state holds the lock from before it loads the state file
until after it saved it, so two commands never draw from the same saved pool. The kernel lets go of
an flock when its process ends, however it ends (SIGKILL included): a lock is never stale.

The holder writes who it is into the lock file (pid, command, and for `lottery serve` its URL once
it listens), so a command that finds the lock taken can say whom it waits for, or draw through the
server that holds it.
"""

import fcntl
import json
import os
from pathlib import Path

from .state import StateError


class StateBusy(Exception):
    """The state is held by a process this command will not wait for (a running `lottery serve`)."""


def lock_file(state_dir: Path, stack: str) -> Path:
    return state_dir / f"{stack}.lock"


class StateLock:
    """The lock on one stack's state in one state directory. `take` does not block; `release` lets go."""

    def __init__(self, state_dir: Path, stack: str):
        self.path = lock_file(state_dir, stack)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def take(self, **holder) -> bool:
        """Take the lock if nobody holds it, and record `holder` (with this pid) in it; False if taken."""
        assert self._fd is None, "taken already"
        while True:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as error:
                raise StateError(f"cannot lock the state in {self.path.parent}: {error}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            # `lottery reset` removes the lock file before it lets go: a lock on a removed file locks nothing.
            try:
                current = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                current = False
            if current:
                self._fd = fd
                self.record(**holder)
                return True
            os.close(fd)

    def record(self, **holder) -> None:
        """Say who holds the lock: this pid and `holder` (command, url)."""
        data = json.dumps({"pid": os.getpid(), **holder}).encode()
        assert self._fd is not None, "record() by the holder only"
        os.pwrite(self._fd, data, 0)
        os.ftruncate(self._fd, len(data))

    def holder(self) -> dict | None:
        """Who holds the lock, as its holder recorded it; None if nobody says (free, or being taken)."""
        try:
            found = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None
        return found if isinstance(found, dict) and isinstance(found.get("pid"), int) else None

    def release(self, remove: bool = False) -> None:
        """Let go, and forget who held it; `remove` deletes the lock file first (`lottery reset`)."""
        if self._fd is None:
            return
        if remove:
            self.path.unlink(missing_ok=True)
        else:
            os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing the only descriptor of the open file lets go of its flock
        self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def describe(holder: dict | None) -> str:
    """`pid 4242 (lottery serve at http://127.0.0.1:8080)`, for messages."""
    if not holder:
        return "another process"
    command = f"lottery {holder.get('command', '?')}"
    if holder.get("url"):
        command += f" at {holder['url']}"
    return f"pid {holder['pid']} ({command})"
