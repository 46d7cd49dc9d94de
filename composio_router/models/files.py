"""Workbench file storage of a session (spec §4.14-4.17)."""

from __future__ import annotations

from attrs import field, frozen

__all__ = ["FilesPage", "RemoteFile"]


@frozen
class RemoteFile:
    """A file in a session's mount (a listing item, or what an upload stored).

    Inside the sandbox it lives at ``sandbox_mount_prefix/path``. To read it back, ask
    ``session.experimental.files.download(path)`` for a handle.
    """

    mount_relative_path: str
    sandbox_mount_prefix: str = ""
    size: int | None = None
    last_modified: str | None = None

    @property
    def sandbox_path(self) -> str:
        """Where the workbench sees the file, e.g. ``/mnt/files/data/out.csv``."""
        return f"{self.sandbox_mount_prefix.rstrip('/')}/{self.mount_relative_path}"


def _none_if_empty(cursor: str | None) -> str | None:
    return cursor or None


@frozen
class FilesPage:
    """One page of a mount listing (a smaller envelope than the other pages: no totals)."""

    items: list[RemoteFile] = field(factory=list)
    next_cursor: str | None = field(default=None, converter=_none_if_empty)
