"""Deterministic archives: the same entries always give the same bytes.

Why by hand: ``tarfile``/``zipfile`` stamp entries with the file's mtime, the current
user and (for gzip) the time of writing. We fix every one of those: entries sorted by
name, one timestamp, uid/gid 0 with no names, fixed modes, and a gzip header with that
timestamp and no file name.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import tarfile
import zipfile
from collections.abc import Mapping

COMPRESSLEVEL = 6


def tar_gz(entries: Mapping[str, bytes], mtime: int) -> bytes:
    """A gzip-compressed ustar archive of ``entries`` (name -> content), names sorted."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted(entries):
            data = entries[name]
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = mtime
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.type = tarfile.REGTYPE
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=mtime,
                       compresslevel=COMPRESSLEVEL) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def zip_bytes(entries: Mapping[str, bytes], mtime: int, *, first: tuple[str, ...] = ()) -> bytes:
    """A deflated zip of ``entries``; names in ``first`` lead, the rest follow sorted."""
    stamp = dt.datetime.fromtimestamp(max(mtime, 315532800), tz=dt.UTC)  # zip cannot go before 1980
    date_time = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    order = [n for n in first if n in entries] + sorted(n for n in entries if n not in first)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, entries[name], compresslevel=COMPRESSLEVEL)
    return out.getvalue()
