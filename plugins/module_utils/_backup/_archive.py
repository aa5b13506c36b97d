# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The backup file: one backup of a hosted control plane is one file, optionally encrypted.

Layout of format_version 1::

    K0SMOTRON-FLEET-BACKUP\\n                   the magic line
    {"format_version":1,...}\\n                  the header: one line of JSON (ASCII), in the clear
    payload                                     exactly header.payload.length bytes
    tag                                         16 bytes, only when encrypted (the AES-GCM tag)

The header holds nothing secret, so ``inspect_backup`` reads it without a key: ``format_version``,
``created`` (RFC 3339 UTC), ``cluster`` (``name``, ``namespace``, ``engine``, as the caller gave
them), ``encryption`` (``{"algorithm": "none"}``, or ``"AES-256-GCM"`` with its ``nonce`` and a
``kdf``: ``{"name": "scrypt", "salt", "n", "r", "p"}`` for a passphrase, ``{"name": "none"}`` for a
32-byte key given in base64) and ``payload`` (``encoding``, ``length``, and ``sha256``: the SHA-256 of
the payload bytes *as stored*, the ciphertext when encrypted; so a damaged copy is told from a wrong
passphrase, and it can be checked without the key). Nothing derived from the passphrase, the key or
the contents in the clear is stored in it.

The payload is a sequence of records, each ``kind`` (1 byte), ``name length`` (2 bytes), ``data
length`` (8 bytes, both unsigned big-endian), the name (UTF-8) and the data: one record ``m`` per
member, sorted by name, then one record ``M``: the manifest, JSON. The manifest is the caller's dict
plus the keys this module computes: ``format_version``, ``created``, ``cluster`` (copies of the
header's, so an altered clear header is noticed also in an unencrypted file), ``members`` (``{name:
{"size", "sha256"}}``), ``member_count`` and ``total_size``. Records rather than tar: the format is
a few lines to write and to check strictly, member names are keys and never paths (no traversal,
links, modes, owners or PAX extensions to refuse), and every byte of the payload is covered by one
check; an unencrypted backup is no more readable by ``tar`` than by ``head -c`` anyway, because of the
header before it.

Encryption is AES-256-GCM over the payload, with the magic line and the header line as associated
data (so the clear header cannot be changed either) and the tag at the end of the file. The key is
derived from a passphrase with scrypt (``SCRYPT``: n=2**16, r=8, p=1, 64 MiB, 0.15 to 0.3 s per
derive on the 2-core development machine, busy or not: once when writing, once when reading), or
given as 32 random bytes in base64 (``openssl rand -base64 32``). A 100 MiB member there: written in
about 0.5 s, read in 0.25 s, encrypted or not, plus one derive with a passphrase.

Writing streams: members are bytes or binary files opened for reading (read from their start), and
are read twice: once to compute the sizes and checksums that the header and the manifest need before
the payload is written, once to write it (a member that changes in between is refused). The second
pass goes through ``_secret_files.secret_file_writer``: a temporary file of mode 0600 in the same
directory, renamed over ``path`` only when complete, removed on any failure.

Reading checks everything before it returns anything: the payload is decrypted (or copied) into an
anonymous temporary file (mode 0600, unlinked, gone when closed) while its SHA-256 is computed;
only when that checksum and the GCM tag are right are the records parsed, and only when every
member matches the manifest are the members returned, **as bytes** (a member is held in memory
once; the file is never held whole).

Secrets: member contents are secret (keys, certificates, datastore dumps), as is the passphrase or
key: none of them is ever put into an exception, a header or a returned summary. The summary and the
manifest carry each member's SHA-256, which is harmless for keys and dumps but would let a guess of
a short secret be confirmed: a caller stores such values inside a larger member.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import copy
import hashlib
import json
import os
import re
import struct
import tempfile
import unicodedata

from ansible_collections.k0smotron.fleet.plugins.module_utils import _time
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._secret_files import check_dest, secret_file_writer

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the machine running the module
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = exc

MAGIC = b"K0SMOTRON-FLEET-BACKUP\n"
FORMAT_VERSION = 1
READABLE_VERSIONS = (1,)
ENCODING = "records"
ALGORITHM = "AES-256-GCM"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
SALT_BYTES = 16
# Measured on the development machine (2 cores, under load): n=2**14 0.14 s, 2**15 0.15 s,
# 2**16 0.15 to 0.30 s, 2**17 1.1 s per derive. 2**16 with r=8 needs 64 MiB.
SCRYPT = {"n": 1 << 16, "r": 8, "p": 1}
# What a reader accepts from a header, so that a crafted file cannot make it allocate without
# bound: 128 * n * r bytes at most 1 GiB.
_SCRYPT_MAX_MEMORY = 1 << 30
_SCRYPT_MAX_P = 16
# AES-GCM encrypts at most 2**39 - 256 bits with one nonce (NIST SP 800-38D).
MAX_PAYLOAD = (1 << 36) - 32
CHUNK = 1 << 20
_HEADER_LIMIT = 64 * 1024
_MANIFEST_LIMIT = 64 * 1024 * 1024
_RECORD = struct.Struct(">cHQ")
_MEMBER = b"m"
_MANIFEST = b"M"
# Member names are keys, not paths; kept to characters that are safe as file names and in messages.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")
IDENTITY_KEYS = ("name", "namespace", "engine")
RESERVED_MANIFEST_KEYS = ("format_version", "created", "cluster", "members", "member_count", "total_size")

_ANOTHER_COPY = ("The file was changed after it was written (a bad copy, transfer or disk): use another copy "
                 "of the backup; the SHA-256 of the whole file was reported when it was written.")


def require():
    if not HAS_CRYPTOGRAPHY:
        raise FleetError(
            "The Python library 'cryptography' is required for backups (%s)." % CRYPTOGRAPHY_IMPORT_ERROR,
            hint="Install it where the module runs (pip install cryptography); it comes with ansible-core's "
                 "usual installs and every execution environment.")


def _b64(data):
    return base64.b64encode(data).decode("ascii")


def _dumps(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


# --- secrets --------------------------------------------------------------------------------------

def _check_secrets(passphrase, key):
    """The passphrase (bytes) or the key (32 bytes) given; refused, without quoting them, when
    both are given, when the passphrase is empty or the key is not 32 bytes in base64."""
    if passphrase is not None and key is not None:
        raise FleetError(
            "Both passphrase and key are given.",
            hint="Give one of them: passphrase (a key is derived from it with scrypt) or key (32 random bytes "
                 "in base64, for example from 'openssl rand -base64 32').")
    if passphrase is not None:
        if isinstance(passphrase, bytes):
            secret = passphrase
        elif isinstance(passphrase, str):
            # The same passphrase typed with composed or decomposed accents gives the same key.
            secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
        else:
            raise FleetError("passphrase must be a string, not %s." % type(passphrase).__name__,
                             hint="Give passphrase as a string (from a vault or a no_log variable).")
        if not secret.strip():
            raise FleetError("passphrase is empty.", hint="Give a passphrase, or leave it unset for no encryption.")
        return secret, None
    if key is not None:
        return None, _decode_key(key)
    return None, None


def check_secrets(passphrase=None, key=None):
    """Refuse a passphrase or key that ``write_backup`` or ``read_backup`` would refuse, before a module
    does anything else (the same messages; nothing returned)."""
    _check_secrets(passphrase, key)


def _decode_key(key):
    hint = "Give key as 32 random bytes in base64, for example the output of 'openssl rand -base64 32'."
    if isinstance(key, bytes):
        try:
            key = key.decode("ascii")
        except UnicodeDecodeError:
            raise FleetError("key is not base64 (it has bytes that are not ASCII).", hint=hint) from None
    if not isinstance(key, str):
        raise FleetError("key must be a base64 string, not %s." % type(key).__name__, hint=hint)
    try:
        raw = base64.b64decode("".join(key.split()), validate=True)
    except (binascii.Error, ValueError):
        raise FleetError("key is not valid base64.", hint=hint) from None
    if len(raw) != KEY_BYTES:
        raise FleetError("key is %d bytes once decoded from base64, not %d." % (len(raw), KEY_BYTES), hint=hint)
    return raw


def _derive(passphrase, kdf):
    return Scrypt(salt=base64.b64decode(kdf["salt"]), length=KEY_BYTES, n=kdf["n"], r=kdf["r"],
                  p=kdf["p"]).derive(passphrase)


def _gcm_as_ctr(key, nonce):
    """An AES-CTR encryptor whose output is byte for byte the ciphertext of AES-GCM with this key and
    96-bit nonce (SP 800-38D: GCM encrypts with CTR from nonce || 2). Used to know the stored
    payload's SHA-256 before the header, which GCM authenticates first, is written; the real GCM
    pass checks it got the same bytes. Exact while the 32-bit counter does not wrap: MAX_PAYLOAD."""
    return Cipher(algorithms.AES(key), modes.CTR(nonce + b"\x00\x00\x00\x02")).encryptor()


# --- writing --------------------------------------------------------------------------------------

def _check_identity(identity):
    if not isinstance(identity, dict) or set(identity) != set(IDENTITY_KEYS):
        raise FleetError(
            "identity must be a dict with exactly the keys %s." % ", ".join(IDENTITY_KEYS),
            hint="Give the control plane's name, namespace and engine (native or k0smotron).")
    for field in IDENTITY_KEYS:
        value = identity[field]
        if not isinstance(value, str) or not value or len(value) > 253:
            raise FleetError("identity.%s must be a non-empty string of at most 253 characters." % field,
                             hint="Give the control plane's %s as a string." % field)
    return dict((field, identity[field]) for field in IDENTITY_KEYS)


def _check_manifest(manifest):
    if not isinstance(manifest, dict):
        raise FleetError("manifest must be a dict, not %s." % type(manifest).__name__,
                         hint="Give manifest as a dict of JSON values (it may be empty).")
    reserved = sorted(set(manifest) & set(RESERVED_MANIFEST_KEYS))
    if reserved:
        raise FleetError("manifest has key(s) %s, which this module computes itself." % ", ".join(reserved),
                         hint="Rename them; %s are reserved." % ", ".join(RESERVED_MANIFEST_KEYS))
    try:
        same = json.loads(_dumps(manifest)) == manifest
    except (TypeError, ValueError) as exc:
        raise FleetError("manifest cannot be stored as JSON: %s." % exc,
                         hint="Give only strings, numbers, booleans, None, lists and dicts with string keys.")
    if not same:
        raise FleetError("manifest would read back different from what was given (tuples or keys that are not "
                         "strings).", hint="Give only lists and dicts with string keys.")
    return copy.deepcopy(manifest)


class _Source(object):
    """One member to write: bytes, or a binary file read from its start."""

    def __init__(self, name, value):
        self.name = name
        self.value = value
        if isinstance(value, (bytes, bytearray, memoryview)):
            self.size = memoryview(value).nbytes
            return
        if isinstance(value, str):
            raise FleetError("members['%s'] is text, not bytes." % name,
                             hint="Encode it (for example value.encode('utf-8')) or give a file opened with 'rb'.")
        if not (hasattr(value, "read") and hasattr(value, "seek")):
            raise FleetError("members['%s'] must be bytes or a binary file opened for reading, not %s."
                             % (name, type(value).__name__), hint="Give the member's contents as bytes or a file.")
        try:
            self.size = value.seek(0, os.SEEK_END)
        except (OSError, ValueError) as exc:
            raise self._unreadable(exc)

    def _unreadable(self, exc):
        return FleetError("Cannot read members['%s']: %s." % (self.name, getattr(exc, "strerror", None) or exc),
                          hint="Give a regular file opened with 'rb' (it is read twice, from its start).")

    def changed(self):
        return FleetError("members['%s'] changed while the backup was written." % self.name,
                          hint="Give a copy that nothing writes to, then write the backup again.")

    def chunks(self):
        if isinstance(self.value, (bytes, bytearray, memoryview)):
            view = memoryview(self.value).cast("B")
            for start in range(0, self.size, CHUNK):
                yield view[start:start + CHUNK]
            return
        try:
            self.value.seek(0)
            left = self.size
            while left:
                chunk = self.value.read(min(CHUNK, left))
                if not chunk:
                    raise self.changed()
                left -= len(chunk)
                yield chunk
            if self.value.read(1):
                raise self.changed()
        except (OSError, ValueError) as exc:
            raise self._unreadable(exc)


def _check_members(members):
    if not isinstance(members, dict) or not members:
        raise FleetError("members must be a non-empty dict of name to contents.",
                         hint="Give at least one member, for example {'pki.json': b'...'}.")
    sources = []
    for name in sorted(members, key=str):
        if not isinstance(name, str) or not _NAME.match(name):
            raise FleetError(
                "Member name %r is not allowed." % (name,),
                hint="Use 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit.")
        sources.append(_Source(name, members[name]))
    return sources


def _emit(sources, finish, sink):
    """Feed the plaintext payload to ``sink``; ``finish(members)`` gives the manifest's bytes once
    every member was read (``members``: ``{name: {"size", "sha256"}}``, computed on the way)."""
    computed = {}
    for source in sources:
        name = source.name.encode("utf-8")
        sink(_RECORD.pack(_MEMBER, len(name), source.size) + name)
        digest = hashlib.sha256()
        for chunk in source.chunks():
            digest.update(chunk)
            sink(chunk)
        computed[source.name] = {"size": source.size, "sha256": digest.hexdigest()}
    manifest = finish(computed)
    sink(_RECORD.pack(_MANIFEST, 0, len(manifest)))
    sink(manifest)
    return computed


class _Sink(object):
    """Counts and hashes what is stored; encrypts it first with ``cipher``, writes it to ``stream``."""

    def __init__(self, cipher=None, stream=None):
        self.cipher = cipher
        self.stream = stream
        self.length = 0
        self.digest = hashlib.sha256()

    def __call__(self, chunk):
        if self.cipher is not None:
            chunk = self.cipher.update(chunk)
        self.length += len(chunk)
        if self.length > MAX_PAYLOAD:
            raise FleetError("The backup's members are larger than one backup file may hold (64 GiB, the limit of AES-GCM).",
                             hint="Give fewer or smaller members, in more than one backup.")
        self.digest.update(chunk)
        if self.stream is not None:
            self.stream.write(chunk)


class _HashingStream(object):
    def __init__(self, stream):
        self.stream = stream
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data):
        self.stream.write(data)
        self.digest.update(data)
        self.size += len(data)


def write_backup(path, members, manifest, identity, passphrase=None, key=None):
    """Write one backup file at ``path`` (mode 0600, atomically: an existing file is replaced only
    by a complete new one) and give its summary: ``path``, ``size``, ``sha256`` (of the whole file),
    ``format_version``, ``encrypted``, ``members`` (``{name: {"size", "sha256"}}``).

    ``members``: ``{name: bytes or binary file}``, secret; ``manifest``: a dict of JSON values;
    ``identity``: ``{"name", "namespace", "engine"}``; ``passphrase`` or ``key`` (32 bytes in base64)
    to encrypt. Everything is checked before the file is made."""
    require()
    check_dest("path", path)
    identity = _check_identity(identity)
    manifest = _check_manifest(manifest)
    sources = _check_members(members)
    phrase, raw_key = _check_secrets(passphrase, key)
    created = _time.format_time(_time.now())

    encryption = {"algorithm": "none"}
    secret = nonce = None
    if phrase is not None or raw_key is not None:
        nonce = os.urandom(NONCE_BYTES)
        if phrase is not None:
            kdf = dict(SCRYPT, name="scrypt", salt=_b64(os.urandom(SALT_BYTES)))
            secret = _derive(phrase, kdf)
        else:
            kdf = {"name": "none"}
            secret = raw_key
        encryption = {"algorithm": ALGORITHM, "nonce": _b64(nonce), "kdf": kdf}

    stored = {}

    def make_manifest(computed):
        full = dict(manifest, format_version=FORMAT_VERSION, created=created, cluster=identity, members=computed,
                    member_count=len(computed), total_size=sum(m["size"] for m in computed.values()))
        stored["manifest"] = _dumps(full).encode("ascii")
        return stored["manifest"]

    # First pass: sizes and checksums, and the stored payload's SHA-256 and length for the header.
    planned = _Sink(_gcm_as_ctr(secret, nonce) if secret else None)
    computed = _emit(sources, make_manifest, planned)

    header = {
        "format_version": FORMAT_VERSION,
        "created": created,
        "cluster": identity,
        "encryption": encryption,
        "payload": {"encoding": ENCODING, "length": planned.length, "sha256": planned.digest.hexdigest()},
    }
    clear = MAGIC + _dumps(header).encode("ascii") + b"\n"

    def same_members(again):
        for source in sources:
            if again[source.name] != computed[source.name]:
                raise source.changed()
        return stored["manifest"]

    # Second pass: the file itself.
    with secret_file_writer(path, option="path") as stream:
        out = _HashingStream(stream)
        out.write(clear)
        encryptor = None
        if secret:
            encryptor = Cipher(algorithms.AES(secret), modes.GCM(nonce)).encryptor()
            encryptor.authenticate_additional_data(clear)
        written = _Sink(encryptor, out)
        _emit(sources, same_members, written)
        if (written.length, written.digest.hexdigest()) != (planned.length, header["payload"]["sha256"]):
            # Cannot happen unless GCM and CTR disagree: refuse rather than write a file that fails its check.
            raise FleetError("The backup's payload came out different in its two passes; nothing was written.",
                             hint="Report this as a bug of k0smotron.fleet.")
        if encryptor is not None:
            out.write(encryptor.finalize())
            out.write(encryptor.tag)

    return {
        "path": path,
        "size": out.size,
        "sha256": out.digest.hexdigest(),
        "format_version": FORMAT_VERSION,
        "encrypted": secret is not None,
        "members": computed,
    }


# --- reading --------------------------------------------------------------------------------------

def _damaged(path, what):
    return FleetError("Backup file '%s' is damaged: %s." % (path, what), hint=_ANOTHER_COPY)


def _open(path):
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise FleetError("Backup file '%s' does not exist." % path, hint="Check path.") from None
    except OSError as exc:
        raise FleetError("Cannot read backup file '%s': %s." % (path, exc.strerror),
                         hint="Check path and its permissions.") from None


def _truncated(path, size, expected):
    return FleetError(
        "Backup file '%s' is truncated: it has %d bytes%s." % (
            path, size, ", its header says %d" % expected if expected else ", it ends before its header does"),
        hint="The copy is incomplete (an interrupted transfer or a full disk): copy the backup again from where "
             "it was written.")


def _int(value, low, high):
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _b64_bytes(value, length=None):
    if not isinstance(value, str):
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if length is None or len(raw) == length else None


def _check_header(path, header):
    """Refuse a header this collection cannot read, or one that does not hold together."""
    if not isinstance(header, dict):
        raise _damaged(path, "its header is not a JSON object")
    version = header.get("format_version")
    if not _int(version, -(1 << 31), 1 << 31):
        raise _damaged(path, "its header has no valid format_version")
    if version not in READABLE_VERSIONS:
        raise FleetError(
            "Backup file '%s' has format_version %d; this collection reads format_version %s only."
            % (path, version, ", ".join(str(v) for v in READABLE_VERSIONS)),
            hint="It was written by a newer k0smotron.fleet: read it with that version or a newer one."
            if version > max(READABLE_VERSIONS) else "It was not written by a release of k0smotron.fleet.")
    if set(header) != {"format_version", "created", "cluster", "encryption", "payload"}:
        raise _damaged(path, "its header has the keys %s" % ", ".join(sorted(header)))
    try:
        created = _time.parse_time(header["created"])
    except (TypeError, ValueError):
        created = None
    if created is None:
        raise _damaged(path, "its header's created is not an RFC 3339 UTC time")
    cluster = header["cluster"]
    if not isinstance(cluster, dict) or set(cluster) != set(IDENTITY_KEYS) or not all(
            isinstance(v, str) and v for v in cluster.values()):
        raise _damaged(path, "its header's cluster is not a name, namespace and engine")
    payload = header["payload"]
    if (not isinstance(payload, dict) or set(payload) != {"encoding", "length", "sha256"}
            or payload["encoding"] != ENCODING or not _int(payload["length"], 0, MAX_PAYLOAD)
            or not isinstance(payload["sha256"], str) or not _SHA256.match(payload["sha256"])):
        raise _damaged(path, "its header's payload is not an encoding, length and sha256")
    _check_encryption(path, header["encryption"])


def _check_encryption(path, encryption):
    if encryption == {"algorithm": "none"}:
        return
    if (not isinstance(encryption, dict) or set(encryption) != {"algorithm", "nonce", "kdf"}
            or encryption["algorithm"] != ALGORITHM or _b64_bytes(encryption["nonce"], NONCE_BYTES) is None):
        raise _damaged(path, "its header's encryption is neither none nor %s with a nonce and a kdf" % ALGORITHM)
    kdf = encryption["kdf"]
    if kdf == {"name": "none"}:
        return
    if not isinstance(kdf, dict) or set(kdf) != {"name", "salt", "n", "r", "p"} or kdf["name"] != "scrypt":
        raise _damaged(path, "its header's kdf is neither none nor scrypt with salt, n, r and p")
    salt = _b64_bytes(kdf["salt"])
    n, r, p = kdf["n"], kdf["r"], kdf["p"]
    if (salt is None or len(salt) < SALT_BYTES or not _int(n, 2, 1 << 30) or n & (n - 1)
            or not _int(r, 1, 1 << 10) or not _int(p, 1, _SCRYPT_MAX_P) or 128 * n * r > _SCRYPT_MAX_MEMORY):
        raise _damaged(path, "its header's scrypt parameters are outside what this collection accepts "
                             "(n a power of 2, 128*n*r at most 1 GiB, p at most %d, salt of %d bytes or more)"
                       % (_SCRYPT_MAX_P, SALT_BYTES))


def _read_header(path, handle):
    """The header (checked) and the clear part's bytes; the file must be exactly as long as it says."""
    size = os.fstat(handle.fileno()).st_size
    magic = handle.read(len(MAGIC))
    if magic != MAGIC:
        if MAGIC.startswith(magic):
            raise _truncated(path, size, 0)
        raise FleetError(
            "'%s' is not a k0smotron.fleet backup file (its first line is not %s)." % (path, MAGIC.decode().strip()),
            hint="Give path a file written by k0smotron.fleet's backup.")
    line = handle.readline(_HEADER_LIMIT + 1)
    if not line.endswith(b"\n"):
        if len(line) > _HEADER_LIMIT:
            raise _damaged(path, "its header line is longer than %d bytes" % _HEADER_LIMIT)
        raise _truncated(path, size, 0)
    try:
        header = json.loads(line.decode("ascii"))
    except ValueError:
        raise _damaged(path, "its header is not JSON") from None
    _check_header(path, header)
    clear = magic + line
    expected = len(clear) + header["payload"]["length"] + (
        TAG_BYTES if header["encryption"]["algorithm"] != "none" else 0)
    if size < expected:
        raise _truncated(path, size, expected)
    if size > expected:
        raise _damaged(path, "it has %d bytes after the end its header gives" % (size - expected))
    return header, clear


def _copy_payload(path, handle, header, decryptor, out):
    """Stream the payload from ``handle``, decrypted with ``decryptor`` when given, into ``out``;
    refuse a payload whose stored bytes do not have the header's SHA-256."""
    digest = hashlib.sha256()
    left = header["payload"]["length"]
    while left:
        chunk = handle.read(min(CHUNK, left))
        if not chunk:
            raise _truncated(path, handle.tell(), 0)
        left -= len(chunk)
        digest.update(chunk)
        if out is not None:
            out.write(decryptor.update(chunk) if decryptor is not None else chunk)
    if digest.hexdigest() != header["payload"]["sha256"]:
        raise FleetError(
            "The payload of backup file '%s' is damaged: its SHA-256 is %s, the header says %s."
            % (path, digest.hexdigest(), header["payload"]["sha256"]), hint=_ANOTHER_COPY)


def inspect_backup(path, verify=False):
    """The clear header of the backup file at ``path`` (no passphrase or key needed), after checking
    its magic line, format_version, header and length; with ``verify``, also the stored payload's
    SHA-256 (which reads the whole file, and needs no key either)."""
    with _open(path) as handle:
        header, _clear = _read_header(path, handle)
        if verify:
            _copy_payload(path, handle, header, None, None)
    return header


def _reading_key(path, header, phrase, raw_key):
    encryption = header["encryption"]
    if encryption["algorithm"] == "none":
        if phrase is not None or raw_key is not None:
            raise FleetError(
                "Backup file '%s' is not encrypted, but a %s was given." % (path, "passphrase" if phrase else "key"),
                hint="It was written without encryption, so its secrets are readable by whoever can read the file: "
                     "if an encrypted backup was expected, look for the right file; to read this one, leave "
                     "passphrase and key unset.")
        return None
    kdf = encryption["kdf"]
    wanted = "passphrase" if kdf["name"] == "scrypt" else "key"
    if phrase is None and raw_key is None:
        raise FleetError("Backup file '%s' is encrypted (%s, with a %s) and neither passphrase nor key was given."
                         % (path, ALGORITHM, wanted), hint="Give the %s it was written with." % wanted)
    given = "passphrase" if phrase is not None else "key"
    if given != wanted:
        raise FleetError("Backup file '%s' was encrypted with a %s, and a %s was given." % (path, wanted, given),
                         hint="Give the %s it was written with, instead of %s." % (wanted, given))
    return _derive(phrase, kdf) if phrase is not None else raw_key


def _parse_payload(path, plain, size):
    """``(manifest, members)`` from the verified plaintext payload in the file ``plain``."""
    plain.seek(0)
    members = {}
    manifest = None
    offset = 0
    while offset < size:
        if manifest is not None:
            raise _damaged(path, "its payload has data after its manifest")
        head = plain.read(_RECORD.size)
        if len(head) < _RECORD.size:
            raise _damaged(path, "its payload ends inside a record")
        kind, name_length, length = _RECORD.unpack(head)
        offset += _RECORD.size + name_length + length
        if offset > size:
            raise _damaged(path, "a record of its payload runs past its end")
        try:
            name = plain.read(name_length).decode("utf-8")
        except UnicodeDecodeError:
            raise _damaged(path, "a member name is not UTF-8") from None
        if kind == _MEMBER:
            if not _NAME.match(name) or name in members:
                raise _damaged(path, "its payload has a member named %r, twice or not allowed" % name)
            members[name] = plain.read(length)
        elif kind == _MANIFEST and not name:
            if length > _MANIFEST_LIMIT:
                raise _damaged(path, "its manifest is larger than %d bytes" % _MANIFEST_LIMIT)
            try:
                manifest = json.loads(plain.read(length).decode("ascii"))
            except ValueError:
                raise _damaged(path, "its manifest is not JSON") from None
        else:
            raise _damaged(path, "its payload has a record of kind %r" % kind)
    if not isinstance(manifest, dict):
        raise _damaged(path, "its payload has no manifest")
    return manifest, members


def _check_manifest_read(path, header, manifest, members):
    missing = [k for k in RESERVED_MANIFEST_KEYS if k not in manifest]
    if missing:
        raise _damaged(path, "its manifest has no %s" % ", ".join(missing))
    for field in ("format_version", "created", "cluster"):
        if manifest[field] != header[field]:
            raise FleetError(
                "The header of backup file '%s' was altered: its %s is not the one the backup was written with."
                % (path, field), hint=_ANOTHER_COPY)
    listed = manifest["members"]
    if not isinstance(listed, dict):
        raise _damaged(path, "its manifest's members is not a dict")
    for name in sorted(set(listed) | set(members)):
        if name not in members:
            raise _damaged(path, "member '%s' is in its manifest but not in its payload" % name)
        if name not in listed:
            raise _damaged(path, "member '%s' is in its payload but not in its manifest" % name)
        found = {"size": len(members[name]), "sha256": hashlib.sha256(members[name]).hexdigest()}
        if listed[name] != found:
            raise FleetError(
                "Member '%s' of backup file '%s' does not match its manifest (size %d, SHA-256 %s)."
                % (name, path, found["size"], found["sha256"]), hint=_ANOTHER_COPY)
    if manifest["member_count"] != len(members) or manifest["total_size"] != sum(len(m) for m in members.values()):
        raise _damaged(path, "its manifest's member_count or total_size does not match its members")


def read_backup(path, passphrase=None, key=None):
    """``(header, manifest, members)`` of the backup file at ``path``: ``members`` is ``{name: bytes}``
    (secret), ``manifest`` the caller's manifest with the keys this module computed. Nothing is
    returned before every check passed: magic, format_version, header, length, the payload's SHA-256,
    the GCM tag (the passphrase or key), the manifest against the header and every member."""
    require()
    phrase, raw_key = _check_secrets(passphrase, key)
    with _open(path) as handle:
        header, clear = _read_header(path, handle)
        secret = _reading_key(path, header, phrase, raw_key)
        decryptor = None
        if secret is not None:
            nonce = base64.b64decode(header["encryption"]["nonce"])
            decryptor = Cipher(algorithms.AES(secret), modes.GCM(nonce)).decryptor()
            decryptor.authenticate_additional_data(clear)
        # Anonymous (O_TMPFILE or unlinked at once), mode 0600: gone when closed, also on a crash.
        with tempfile.TemporaryFile() as plain:
            _copy_payload(path, handle, header, decryptor, plain)
            if decryptor is not None:
                tag = handle.read(TAG_BYTES)
                try:
                    plain.write(decryptor.finalize_with_tag(tag))
                except (InvalidTag, ValueError):
                    raise FleetError(
                        "Cannot decrypt backup file '%s': wrong passphrase or key, or the file was altered "
                        "(the AES-GCM tag does not match)." % path,
                        hint="Give the passphrase or key it was written with; if it is the right one, the file "
                             "was changed after it was written: use another copy of the backup.") from None
            manifest, members = _parse_payload(path, plain, header["payload"]["length"])
    _check_manifest_read(path, header, manifest, members)
    return header, manifest, members
