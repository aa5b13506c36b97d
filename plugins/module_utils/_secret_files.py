# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Writing secrets to files that only their owner can read.

The file is created with mode 0600 before a byte of the secret is written, filled in a
temporary file in the same directory and renamed into place, so no reader ever sees a
partial or wider-readable secret. Contents are compared so an unchanged secret is not
rewritten, which keeps a second run quiet.

AnsibleModule.atomic_move does the rename part, but not in this order: it gives the new file the
mode of the file it replaces (copystat, so a 0644 file stays 0644) or, for a new file, 0666 less
the umask, and a mode set afterwards leaves a moment in which others may read the secret.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import os
import stat
import tempfile

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError

SECRET_MODE = 0o600


def check_dest(option, path, writing=True):
    """Refuse, before anything is asked of an API, a ``path`` the module could not write (or, not
    ``writing``, remove): a folder or other non-file there, or a directory that does not exist."""
    if os.path.lexists(path) and not os.path.isfile(path):
        raise FleetError(
            "%s '%s' exists and is not a regular file." % (option, path),
            hint="Give %s the path of a file (a new one, or one this module wrote), or remove what is there." % option)
    directory = os.path.dirname(os.path.abspath(path))
    if writing and not os.path.isdir(directory):
        raise FleetError(
            "The directory of %s '%s' does not exist." % (option, path),
            hint="Create '%s' first (mode 0700 is best for secrets)." % directory)


def secret_file_state(path, content):
    """``(exists, same_content, mode_ok)`` for the file at ``path`` against ``content`` (bytes)."""
    try:
        info = os.stat(path)
    except OSError:
        return False, False, False
    if not stat.S_ISREG(info.st_mode):
        raise FleetError(
            "'%s' exists and is not a regular file." % path,
            hint="Choose another dest, or remove what is there.")
    mode_ok = stat.S_IMODE(info.st_mode) == SECRET_MODE and info.st_uid == os.geteuid()
    with open(path, "rb") as handle:
        same = handle.read() == content
    return True, same, mode_ok


def write_secret_file(path, content):
    """Write ``content`` (bytes) to ``path`` atomically with mode 0600, owned by the caller."""
    with secret_file_writer(path) as stream:
        stream.write(content)


@contextlib.contextmanager
def secret_file_writer(path, option="dest"):
    """A binary file object, opened for writing, that becomes ``path`` (mode 0600, atomically) when
    the ``with`` block ends without an exception: for contents too large to hold in memory.

    The file is a temporary one in the same directory, mode 0600 before the first byte; it is
    flushed to disk and renamed over ``path`` at the end. On any exception (raised by the block or
    while writing) it is removed and ``path`` is left as it was; an OSError becomes a FleetError that
    names ``option``."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FleetError(
            "The directory of %s '%s' does not exist." % (option, path),
            hint="Create '%s' first (mode 0700 is best for secrets)." % directory)
    try:
        handle, temporary = tempfile.mkstemp(prefix=".k0smotron-fleet-", dir=directory)
    except OSError as exc:
        raise FleetError("Cannot write '%s': %s." % (path, exc.strerror), hint="Check %s and its directory." % option)
    try:
        try:
            os.fchmod(handle, SECRET_MODE)
            stream = os.fdopen(handle, "wb")
        except OSError:
            os.close(handle)
            raise
        with stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.rename(temporary, path)
    except OSError as exc:
        raise FleetError("Cannot write '%s': %s." % (path, exc.strerror), hint="Check %s and its directory." % option)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def remove_file(path):
    """Remove ``path``; True if there was something to remove."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise FleetError("Cannot remove '%s': %s." % (path, exc.strerror), hint="Check dest and its directory.")
    return True


def read_secret_file(path):
    """The text in ``path`` without surrounding white space, or None when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace").strip()
    except (IOError, OSError):
        return None
