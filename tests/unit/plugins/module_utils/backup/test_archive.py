# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import io
import json
import os
import stat
import tempfile
import tracemalloc

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils._backup import _archive as archive
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError

DEFAULT_SCRYPT = dict(archive.SCRYPT)
IDENTITY = {"name": "edge-1", "namespace": "fleet", "engine": "native"}
PASSPHRASE = u"plum-Kettle-7-s\u00e9cret-passphrase"
RAW_KEY = bytes(range(100, 132))
KEY = base64.b64encode(RAW_KEY).decode("ascii")
# Contents a reader of the clear part must never see.
CA_KEY = b"-----BEGIN RSA PRIVATE KEY-----\nMIIEpQIBAAKCAQEA-ca-key-marker\n-----END RSA PRIVATE KEY-----\n"
DUMP = b"INSERT INTO kine VALUES ('dump-row-marker');\n" * 500
MEMBERS = {"pki.json": CA_KEY, "datastore.sql": DUMP}
MANIFEST = {"k0s_version": "v1.36.3+k0s.2", "datastore": "kine-sqlite", "objects": ["edge-1-ca", "edge-1-sa"]}
SECRETS = {"none": {}, "passphrase": {"passphrase": PASSPHRASE}, "key": {"key": KEY}}


@pytest.fixture(autouse=True)
def fast_scrypt(monkeypatch):
    # The reader takes n from the header; tests that check the default put it back.
    monkeypatch.setitem(archive.SCRYPT, "n", 1 << 10)


@pytest.fixture(params=sorted(SECRETS))
def kind(request):
    return request.param


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """tempfile's directory, to check that reading leaves nothing there."""
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


def write(tmp_path, kind="none", members=None, name="backup.k0sb"):
    path = str(tmp_path / name)
    summary = archive.write_backup(path, dict(MEMBERS) if members is None else members, MANIFEST, IDENTITY,
                                   **SECRETS[kind])
    return path, summary


def split(path):
    """(clear part: magic and header line, the rest) of a backup file."""
    with open(path, "rb") as handle:
        data = handle.read()
    end = data.index(b"\n", len(archive.MAGIC)) + 1
    return data[:end], data[end:]


def rewrite_header(path, change):
    """Change the header's JSON with ``change(header)``, keep the rest of the file."""
    clear, rest = split(path)
    header = json.loads(clear[len(archive.MAGIC):].decode("ascii"))
    change(header)
    with open(path, "wb") as handle:
        handle.write(archive.MAGIC + json.dumps(header, sort_keys=True, separators=(",", ":")).encode() + b"\n" + rest)


def flip(path, offset):
    with open(path, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0x01]))


def cut(path, size):
    with open(path, "r+b") as handle:
        handle.truncate(size)


def refused(call, *args, **kwargs):
    with pytest.raises(FleetError) as caught:
        call(*args, **kwargs)
    return caught.value


def everything_said(error):
    """Every text an error carries, for searching secrets in it."""
    return " ".join([str(error), repr(error), repr(error.hint), repr(error.details), repr(error.args),
                     repr(error.__context__), repr(error.__cause__)])


# --- round trips -----------------------------------------------------------------------------------

def test_round_trip(tmp_path, kind, private_tmp):
    path, summary = write(tmp_path, kind)
    with open(path, "rb") as handle:
        data = handle.read()
    assert summary == {
        "path": path,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "format_version": 1,
        "encrypted": kind != "none",
        "members": dict((n, {"size": len(c), "sha256": hashlib.sha256(c).hexdigest()}) for n, c in MEMBERS.items()),
    }
    header, manifest, members = archive.read_backup(path, **SECRETS[kind])
    assert members == MEMBERS
    assert header == archive.inspect_backup(path) == archive.inspect_backup(path, verify=True)
    assert header["format_version"] == 1 and header["cluster"] == IDENTITY
    assert header["payload"]["encoding"] == "records"
    assert header["payload"]["length"] == len(data) - len(split(path)[0]) - (16 if kind != "none" else 0)
    assert header["created"].endswith("Z") and header["created"][:2] == "20"
    for field, value in MANIFEST.items():
        assert manifest[field] == value
    assert manifest["members"] == summary["members"]
    assert manifest["member_count"] == 2 and manifest["total_size"] == len(CA_KEY) + len(DUMP)
    assert (manifest["cluster"], manifest["created"]) == (IDENTITY, header["created"])
    assert os.listdir(str(private_tmp)) == []


def test_encryption_parameters_in_the_header(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "SCRYPT", DEFAULT_SCRYPT)
    path, _summary = write(tmp_path, "passphrase")
    encryption = archive.inspect_backup(path)["encryption"]
    assert encryption["algorithm"] == "AES-256-GCM"
    assert len(base64.b64decode(encryption["nonce"])) == 12
    kdf = encryption["kdf"]
    assert (kdf["name"], kdf["n"], kdf["r"], kdf["p"]) == ("scrypt", 1 << 16, 8, 1)
    assert len(base64.b64decode(kdf["salt"])) == 16
    assert archive.read_backup(path, passphrase=PASSPHRASE)[2] == MEMBERS

    path, _summary = write(tmp_path, "key", name="with-key")
    assert archive.inspect_backup(path)["encryption"]["kdf"] == {"name": "none"}
    path, _summary = write(tmp_path, "none", name="clear")
    assert archive.inspect_backup(path)["encryption"] == {"algorithm": "none"}


def test_two_writes_use_new_salt_and_nonce(tmp_path):
    first = archive.inspect_backup(write(tmp_path, "passphrase", name="a")[0])["encryption"]
    second = archive.inspect_backup(write(tmp_path, "passphrase", name="b")[0])["encryption"]
    assert first["nonce"] != second["nonce"]
    assert first["kdf"]["salt"] != second["kdf"]["salt"]


def test_the_passphrase_is_normalized_and_may_be_bytes(tmp_path):
    decomposed = PASSPHRASE.replace(u"\u00e9", u"e\u0301")
    path = str(tmp_path / "b")
    archive.write_backup(path, MEMBERS, {}, IDENTITY, passphrase=decomposed)
    assert archive.read_backup(path, passphrase=PASSPHRASE)[2] == MEMBERS
    assert archive.read_backup(path, passphrase=PASSPHRASE.encode("utf-8"))[2] == MEMBERS


def test_members_as_files_bytearray_and_memoryview(tmp_path, kind):
    on_disk = tmp_path / "dump.sql"
    on_disk.write_bytes(DUMP)
    with open(str(on_disk), "rb") as dump:
        dump.read(10)  # members are read from their start, wherever the file was
        members = {"datastore.sql": dump, "pki.json": io.BytesIO(CA_KEY), "raw": bytearray(b"\x00\x01"),
                   "view": memoryview(b"abcdef")[1:4], "empty": b""}
        path, summary = write(tmp_path, kind, members=members)
    assert summary["members"]["view"] == {"size": 3, "sha256": hashlib.sha256(b"bcd").hexdigest()}
    assert archive.read_backup(path, **SECRETS[kind])[2] == {
        "datastore.sql": DUMP, "pki.json": CA_KEY, "raw": b"\x00\x01", "view": b"bcd", "empty": b""}


def test_file_mode_is_0600_whatever_the_umask(tmp_path, kind):
    previous = os.umask(0)
    try:
        path, _summary = write(tmp_path, kind)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(str(tmp_path)) == ["backup.k0sb"]


def test_a_large_member_is_streamed(tmp_path, private_tmp):
    big = os.urandom(20 << 20)
    source = tmp_path / "dump.sql"
    source.write_bytes(big)
    path = str(tmp_path / "backup.k0sb")
    with open(str(source), "rb") as dump:
        tracemalloc.start()
        try:
            archive.write_backup(path, {"datastore.sql": dump, "pki.json": CA_KEY}, MANIFEST, IDENTITY, key=KEY)
            writing = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()
            members = archive.read_backup(path, key=KEY)[2]
            reading = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    # Writing holds a few chunks; reading holds the member once (it is returned as bytes), not the file.
    assert writing < 6 * archive.CHUNK
    assert reading < len(big) + 6 * archive.CHUNK
    assert hashlib.sha256(members["datastore.sql"]).digest() == hashlib.sha256(big).digest()
    assert os.path.getsize(path) > len(big)
    assert os.listdir(str(private_tmp)) == []


# --- secrets ---------------------------------------------------------------------------------------

def test_the_clear_part_holds_no_member_contents_and_no_secret(tmp_path, kind):
    path, summary = write(tmp_path, kind)
    clear, rest = split(path)
    for secret in (CA_KEY, DUMP[:40], b"ca-key-marker", b"dump-row-marker", PASSPHRASE.encode("utf-8"),
                   KEY.encode("ascii"), RAW_KEY):
        assert secret not in clear
        assert secret.decode("utf-8", "replace") not in repr(summary)
    # The search can find: the member contents are in the payload of an unencrypted file.
    if kind == "none":
        assert b"ca-key-marker" in rest and b"dump-row-marker" in rest
    assert b"edge-1" in clear


def test_an_encrypted_file_holds_no_secret_and_no_contents_anywhere(tmp_path):
    for kind in ("passphrase", "key"):
        path, _summary = write(tmp_path, kind, name=kind)
        with open(path, "rb") as handle:
            data = handle.read()
        for secret in (PASSPHRASE.encode("utf-8"), PASSPHRASE.encode("utf-8")[:12], KEY.encode("ascii"), RAW_KEY,
                       b"ca-key-marker", b"dump-row-marker", b"k0s_version", b"kine-sqlite"):
            assert secret not in data


def test_errors_never_carry_the_passphrase_or_key(tmp_path):
    clear_path, _summary = write(tmp_path, "none", name="clear")
    phrase_path, _summary = write(tmp_path, "passphrase", name="phrase")
    key_path, _summary = write(tmp_path, "key", name="key")
    other_key = base64.b64encode(RAW_KEY[::-1]).decode()
    errors = [
        refused(archive.read_backup, phrase_path, passphrase=PASSPHRASE + "x"),
        refused(archive.read_backup, key_path, key=other_key),
        refused(archive.read_backup, clear_path, passphrase=PASSPHRASE),
        refused(archive.read_backup, clear_path, key=KEY),
        refused(archive.read_backup, phrase_path, key=KEY),
        refused(archive.read_backup, key_path, passphrase=PASSPHRASE),
        refused(archive.read_backup, phrase_path, passphrase=PASSPHRASE, key=KEY),
        refused(archive.write_backup, str(tmp_path / "x"), MEMBERS, {}, IDENTITY, key=KEY[:-4]),
        refused(archive.write_backup, str(tmp_path / "x"), MEMBERS, {}, IDENTITY, key=KEY + "!"),
        refused(archive.write_backup, str(tmp_path / "x"), MEMBERS, {}, IDENTITY, key=base64.b64encode(RAW_KEY + b"z")),
        refused(archive.write_backup, str(tmp_path / "x"), MEMBERS, {}, IDENTITY, passphrase=PASSPHRASE, key=KEY),
    ]
    for error in errors:
        said = everything_said(error)
        for secret in (PASSPHRASE, PASSPHRASE[:12], KEY, KEY[:-4], other_key, repr(RAW_KEY), RAW_KEY.hex()):
            assert secret not in said


# --- refusals: the file ----------------------------------------------------------------------------

def test_not_a_backup_file(tmp_path):
    other = tmp_path / "notes.txt"
    other.write_bytes(b"K0SMOTRON-FLEET-BACKUQ\n{}\n")
    for call in (archive.inspect_backup, archive.read_backup):
        error = refused(call, str(other))
        assert "is not a k0smotron.fleet backup file (its first line is not K0SMOTRON-FLEET-BACKUP)" in str(error)
        assert "Give path a file written by k0smotron.fleet's backup" in str(error)
    path, _summary = write(tmp_path)
    flip(path, 3)
    assert "is not a k0smotron.fleet backup file" in str(refused(archive.read_backup, path))


def test_a_missing_file_and_a_directory(tmp_path):
    assert "does not exist. Check path." in str(refused(archive.read_backup, str(tmp_path / "nothing")))
    assert "Cannot read backup file" in str(refused(archive.inspect_backup, str(tmp_path)))


@pytest.mark.parametrize("where", ["empty", "in the magic", "in the header", "after the header", "in the payload",
                                   "one byte short"])
def test_truncated_at_several_offsets(tmp_path, kind, where):
    path, summary = write(tmp_path, kind)
    clear, _rest = split(path)
    size = {"empty": 0, "in the magic": 5, "in the header": len(clear) - 20, "after the header": len(clear),
            "in the payload": len(clear) + 100, "one byte short": summary["size"] - 1}[where]
    cut(path, size)
    for call in (archive.inspect_backup, archive.read_backup):
        error = refused(call, path, **(SECRETS[kind] if call is archive.read_backup else {}))
        assert "Backup file '%s' is truncated: it has %d bytes" % (path, size) in str(error)
        assert "copy the backup again from where it was written" in str(error)
        if size >= len(clear):
            assert "its header says %d" % summary["size"] in str(error)


def test_bytes_after_the_end_are_refused(tmp_path, kind):
    path, _summary = write(tmp_path, kind)
    with open(path, "ab") as handle:
        handle.write(b"\n")
    error = refused(archive.read_backup, path, **SECRETS[kind])
    assert "is damaged: it has 1 bytes after the end its header gives" in str(error)


def test_an_unknown_format_version_is_refused_naming_the_versions_read(tmp_path, kind):
    path, _summary = write(tmp_path, kind)
    rewrite_header(path, lambda header: header.update(format_version=2))
    for call in (archive.inspect_backup, archive.read_backup):
        error = refused(call, path)
        assert "has format_version 2; this collection reads format_version 1 only" in str(error)
        assert "written by a newer k0smotron.fleet" in str(error)
    rewrite_header(path, lambda header: header.update(format_version="1"))
    assert "has no valid format_version" in str(refused(archive.inspect_backup, path))


@pytest.mark.parametrize("change,said", [
    (lambda h: h.update(created="yesterday"), "created is not an RFC 3339 UTC time"),
    (lambda h: h.update(extra=1), "its header has the keys cluster, created, encryption, extra"),
    (lambda h: h["cluster"].pop("engine"), "cluster is not a name, namespace and engine"),
    (lambda h: h["payload"].update(length=-1), "payload is not an encoding, length and sha256"),
    (lambda h: h["payload"].update(encoding="tar"), "payload is not an encoding, length and sha256"),
    (lambda h: h.update(encryption={"algorithm": "AES-128-CBC"}), "encryption is neither none nor AES-256-GCM"),
    (lambda h: h["encryption"].update(nonce="AAAA"), "encryption is neither none nor AES-256-GCM"),
    (lambda h: h["encryption"]["kdf"].update(name="pbkdf2"), "kdf is neither none nor scrypt"),
    (lambda h: h["encryption"]["kdf"].update(n=1 << 30), "scrypt parameters are outside"),
    (lambda h: h["encryption"]["kdf"].update(n=1000), "scrypt parameters are outside"),
    (lambda h: h["encryption"]["kdf"].update(salt="c2FsdA=="), "scrypt parameters are outside"),
])
def test_a_header_that_does_not_hold_together_is_refused_before_any_key_is_derived(tmp_path, change, said):
    path, _summary = write(tmp_path, "passphrase")
    rewrite_header(path, change)
    error = refused(archive.read_backup, path, passphrase=PASSPHRASE)
    assert "is damaged: " in str(error) and said in str(error)
    assert "use another copy of the backup" in str(error)


def test_a_header_that_is_not_json(tmp_path):
    path, _summary = write(tmp_path)
    flip(path, len(archive.MAGIC))  # the opening brace
    assert "is damaged: its header is not JSON" in str(refused(archive.read_backup, path))


def test_a_flipped_byte_in_the_clear_header(tmp_path, kind):
    path, _summary = write(tmp_path, kind)
    clear, _rest = split(path)
    flip(path, clear.index(b"edge-1") + 5)  # edge-1 becomes edge-0: still a valid header
    assert archive.inspect_backup(path)["cluster"]["name"] == "edge-0"
    error = refused(archive.read_backup, path, **SECRETS[kind])
    if kind == "none":
        # Unencrypted: the copy of the header in the manifest tells.
        assert "The header of backup file '%s' was altered: its cluster" % path in str(error)
    else:
        # Encrypted: the header is authenticated with the payload.
        assert "wrong passphrase or key, or the file was altered" in str(error)


def test_a_flipped_byte_in_the_payload(tmp_path, kind):
    path, _summary = write(tmp_path, kind)
    clear, _rest = split(path)
    flip(path, len(clear) + 300)
    archive.inspect_backup(path)  # the clear header alone does not tell
    for call, args in ((archive.inspect_backup, {"verify": True}), (archive.read_backup, SECRETS[kind])):
        error = refused(call, path, **args)
        assert "The payload of backup file '%s' is damaged: its SHA-256 is" % path in str(error)
        assert "the header says %s" % archive.inspect_backup(path)["payload"]["sha256"] in str(error)


def test_a_member_that_does_not_match_the_manifest(tmp_path):
    path, _summary = write(tmp_path)
    clear, rest = split(path)
    at = rest.index(b"dump-row-marker")
    rest = rest[:at] + b"D" + rest[at + 1:]
    with open(path, "wb") as handle:
        handle.write(clear + rest)
    # The header's checksum made to match: only the manifest can tell now.
    rewrite_header(path, lambda h: h["payload"].update(sha256=hashlib.sha256(rest).hexdigest()))
    error = refused(archive.read_backup, path)
    assert "Member 'datastore.sql' of backup file '%s' does not match its manifest" % path in str(error)


def test_a_flipped_tag(tmp_path):
    for kind in ("passphrase", "key"):
        path, summary = write(tmp_path, kind, name=kind)
        flip(path, summary["size"] - 1)
        archive.inspect_backup(path, verify=True)  # the payload is intact
        error = refused(archive.read_backup, path, **SECRETS[kind])
        assert "Cannot decrypt backup file '%s': wrong passphrase or key, or the file was altered" % path in str(error)


def test_a_changed_nonce_fails_the_tag(tmp_path):
    path, _summary = write(tmp_path, "key")
    rewrite_header(path, lambda h: h["encryption"].update(nonce=base64.b64encode(b"\x00" * 12).decode()))
    assert "wrong passphrase or key" in str(refused(archive.read_backup, path, key=KEY))


# --- refusals: passphrase and key ------------------------------------------------------------------

def test_wrong_passphrase_and_wrong_key(tmp_path, private_tmp):
    path, _summary = write(tmp_path, "passphrase", name="phrase")
    error = refused(archive.read_backup, path, passphrase=PASSPHRASE.upper())
    assert str(error) == (
        "Cannot decrypt backup file '%s': wrong passphrase or key, or the file was altered (the AES-GCM tag does not "
        "match). Give the passphrase or key it was written with; if it is the right one, the file was changed after "
        "it was written: use another copy of the backup." % path)
    path, _summary = write(tmp_path, "key", name="key")
    error = refused(archive.read_backup, path, key=base64.b64encode(b"\x07" * 32).decode())
    assert "wrong passphrase or key, or the file was altered" in str(error)
    assert os.listdir(str(private_tmp)) == []


def test_an_encrypted_file_needs_its_passphrase_or_key(tmp_path):
    path, _summary = write(tmp_path, "passphrase", name="phrase")
    error = refused(archive.read_backup, path)
    assert "is encrypted (AES-256-GCM, with a passphrase) and neither passphrase nor key was given" in str(error)
    assert "Give the passphrase it was written with." in str(error)
    assert "was encrypted with a passphrase, and a key was given" in str(refused(archive.read_backup, path, key=KEY))
    path, _summary = write(tmp_path, "key", name="key")
    assert "(AES-256-GCM, with a key)" in str(refused(archive.read_backup, path))
    error = refused(archive.read_backup, path, passphrase=PASSPHRASE)
    assert "was encrypted with a key, and a passphrase was given. Give the key it was written with" in str(error)


@pytest.mark.parametrize("given", ["passphrase", "key"])
def test_a_secret_for_an_unencrypted_file_is_refused(tmp_path, given):
    path, _summary = write(tmp_path)
    error = refused(archive.read_backup, path, **SECRETS[given])
    assert "Backup file '%s' is not encrypted, but a %s was given." % (path, given) in str(error)
    assert "if an encrypted backup was expected" in str(error)


def test_both_passphrase_and_key_are_refused_before_the_file_is_opened(tmp_path):
    for error in (refused(archive.read_backup, str(tmp_path / "nothing"), passphrase=PASSPHRASE, key=KEY),
                  refused(archive.write_backup, str(tmp_path / "b"), MEMBERS, {}, IDENTITY, passphrase="p", key=KEY)):
        assert str(error).startswith("Both passphrase and key are given. Give one of them")
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize("key,said", [
    ("not base64!", "key is not valid base64."),
    (base64.b64encode(b"k" * 16).decode(), "key is 16 bytes once decoded from base64, not 32."),
    (base64.b64encode(b"k" * 33).decode(), "key is 33 bytes once decoded from base64, not 32."),
    ("", "key is 0 bytes once decoded from base64, not 32."),
    (b"\xffabc", "key is not base64 (it has bytes that are not ASCII)."),
    (32, "key must be a base64 string, not int."),
])
def test_bad_keys_are_refused(tmp_path, key, said):
    path, _summary = write(tmp_path, "key")
    for error in (refused(archive.write_backup, str(tmp_path / "new"), MEMBERS, {}, IDENTITY, key=key),
                  refused(archive.read_backup, path, key=key)):
        assert str(error).startswith(said)
        assert "openssl rand -base64 32" in str(error)
    assert not os.path.exists(str(tmp_path / "new"))


def test_a_key_with_line_breaks_and_as_bytes_is_accepted(tmp_path):
    path = str(tmp_path / "b")
    archive.write_backup(path, MEMBERS, {}, IDENTITY, key=KEY[:20] + "\n" + KEY[20:] + "\n")
    assert archive.read_backup(path, key=KEY.encode("ascii"))[2] == MEMBERS


@pytest.mark.parametrize("passphrase,said", [("", "passphrase is empty."), ("  \n", "passphrase is empty."),
                                             (1234, "passphrase must be a string, not int.")])
def test_bad_passphrases_are_refused(tmp_path, passphrase, said):
    error = refused(archive.write_backup, str(tmp_path / "b"), MEMBERS, {}, IDENTITY, passphrase=passphrase)
    assert str(error).startswith(said)
    assert os.listdir(str(tmp_path)) == []


# --- refusals: writing -----------------------------------------------------------------------------

@pytest.mark.parametrize("members,manifest,identity,said", [
    ({}, {}, IDENTITY, "members must be a non-empty dict"),
    ([("a", b"")], {}, IDENTITY, "members must be a non-empty dict"),
    ({"../etc/passwd": b""}, {}, IDENTITY, "Member name '../etc/passwd' is not allowed."),
    ({".hidden": b""}, {}, IDENTITY, "Member name '.hidden' is not allowed."),
    ({"a/b": b""}, {}, IDENTITY, "Member name 'a/b' is not allowed."),
    ({"x" * 129: b""}, {}, IDENTITY, "is not allowed."),
    ({1: b""}, {}, IDENTITY, "Member name 1 is not allowed."),
    ({"a": u"text"}, {}, IDENTITY, "members['a'] is text, not bytes."),
    ({"a": 12}, {}, IDENTITY, "members['a'] must be bytes or a binary file opened for reading, not int."),
    (MEMBERS, [], IDENTITY, "manifest must be a dict, not list."),
    (MEMBERS, {"members": []}, IDENTITY, "manifest has key(s) members, which this module computes itself."),
    (MEMBERS, {"created": 1, "cluster": 2}, IDENTITY, "manifest has key(s) cluster, created"),
    (MEMBERS, {"raw": b"bytes"}, IDENTITY, "manifest cannot be stored as JSON"),
    (MEMBERS, {"nan": float("nan")}, IDENTITY, "manifest cannot be stored as JSON"),
    (MEMBERS, {"t": (1, 2)}, IDENTITY, "manifest would read back different"),
    (MEMBERS, {"m": {1: "x"}}, IDENTITY, "manifest would read back different"),
    (MEMBERS, {}, {"name": "edge-1", "namespace": "fleet"}, "identity must be a dict with exactly the keys"),
    (MEMBERS, {}, dict(IDENTITY, extra="x"), "identity must be a dict with exactly the keys"),
    (MEMBERS, {}, dict(IDENTITY, engine=""), "identity.engine must be a non-empty string"),
    (MEMBERS, {}, dict(IDENTITY, name=5), "identity.name must be a non-empty string"),
])
def test_bad_inputs_are_refused_before_a_file_is_made(tmp_path, members, manifest, identity, said):
    error = refused(archive.write_backup, str(tmp_path / "b"), members, manifest, identity, passphrase=PASSPHRASE)
    assert said in str(error)
    assert error.hint
    assert os.listdir(str(tmp_path)) == []


def test_a_path_that_cannot_be_written(tmp_path):
    (tmp_path / "dir").mkdir()
    error = refused(archive.write_backup, str(tmp_path / "dir"), MEMBERS, {}, IDENTITY)
    assert "path '%s' exists and is not a regular file" % (tmp_path / "dir") in str(error)
    error = refused(archive.write_backup, str(tmp_path / "no" / "b"), MEMBERS, {}, IDENTITY)
    assert "The directory of path" in str(error)


class Growing(io.BytesIO):
    """A file that something appends to while the backup reads it."""

    def __init__(self, data, after_reads):
        super(Growing, self).__init__(data)
        self.reads = 0
        self.after_reads = after_reads

    def read(self, size=-1):
        self.reads += 1
        if self.reads == self.after_reads:
            position = self.tell()
            self.seek(0, os.SEEK_END)
            self.write(b"appended")
            self.seek(position)
        return super(Growing, self).read(size)


class Rewritten(io.BytesIO):
    """A file whose contents change (same size) between the two passes."""

    def seek(self, offset, whence=os.SEEK_SET):
        if offset == 0 and whence == os.SEEK_SET and self.getvalue()[:1] == b"a":
            self.getbuffer()[0:1] = b"b" if getattr(self, "seen", False) else b"a"
            self.seen = True
        return super(Rewritten, self).seek(offset, whence)


@pytest.mark.parametrize("member", [lambda: Growing(b"a" * 10, after_reads=2), lambda: Rewritten(b"a" * 10)])
def test_a_member_that_changes_while_written_leaves_the_old_backup(tmp_path, kind, member):
    path, first = write(tmp_path, kind)
    error = refused(archive.write_backup, path, {"dump.sql": member(), "pki.json": CA_KEY}, MANIFEST, IDENTITY,
                    **SECRETS[kind])
    assert "members['dump.sql'] changed while the backup was written." in str(error)
    assert os.listdir(str(tmp_path)) == ["backup.k0sb"]
    with open(path, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == first["sha256"]


def test_an_unreadable_member_file(tmp_path):
    closed = io.BytesIO(b"x")
    closed.close()
    error = refused(archive.write_backup, str(tmp_path / "b"), {"a": closed}, {}, IDENTITY)
    assert "Cannot read members['a']" in str(error)
    assert os.listdir(str(tmp_path)) == []


# --- refusals: a crafted payload (unencrypted, with a matching checksum) ---------------------------

def craft(tmp_path, records):
    """An unencrypted backup with these ``(kind, name, data)`` records and a header that matches them."""
    path, _summary = write(tmp_path)
    clear, _rest = split(path)
    payload = b"".join(archive._RECORD.pack(k, len(n), len(d)) + n + d for k, n, d in records)
    with open(path, "wb") as handle:
        handle.write(clear + payload)
    rewrite_header(path, lambda h: h["payload"].update(length=len(payload), sha256=hashlib.sha256(payload).hexdigest()))
    return path


def manifest_for(tmp_path, **members):
    header = archive.inspect_backup(write(tmp_path, name="model")[0])
    listed = dict((n, {"size": len(d), "sha256": hashlib.sha256(d).hexdigest()}) for n, d in members.items())
    return json.dumps({"format_version": 1, "created": header["created"], "cluster": IDENTITY, "members": listed,
                       "member_count": len(listed), "total_size": sum(len(d) for d in members.values())}).encode()


def test_a_crafted_payload_that_is_right_is_read(tmp_path):
    # The crafting is right: so the refusals below come from what each changes.
    path = craft(tmp_path, [(b"m", b"a", b"1"), (b"M", b"", manifest_for(tmp_path, a=b"1"))])
    assert archive.read_backup(path)[2] == {"a": b"1"}


@pytest.mark.parametrize("records,said", [
    (lambda m: [(b"m", b"a", b"1"), (b"m", b"a", b"1"), (b"M", b"", m)], "a member named 'a', twice or not allowed"),
    (lambda m: [(b"m", b"../a", b"1"), (b"M", b"", m)], "a member named '../a', twice or not allowed"),
    (lambda m: [(b"m", b"a", b"1"), (b"M", b"", m), (b"m", b"b", b"")], "its payload has data after its manifest"),
    (lambda m: [(b"m", b"a", b"1")], "its payload has no manifest"),
    (lambda m: [(b"x", b"a", b"1"), (b"M", b"", m)], "its payload has a record of kind b'x'"),
    (lambda m: [(b"m", b"a", b"1"), (b"M", b"", b"{not json")], "its manifest is not JSON"),
    (lambda m: [(b"M", b"", m)], "member 'a' is in its manifest but not in its payload"),
    (lambda m: [(b"m", b"a", b"1"), (b"m", b"b", b"2"), (b"M", b"", m)], "member 'b' is in its payload but not in"),
    (lambda m: [(b"m", b"a", b"1"), (b"M", b"", m.replace(b'"member_count": 1', b'"member_count": 2'))],
     "its manifest's member_count or total_size does not match"),
    (lambda m: [(b"m", b"a", b"1"), (b"M", b"", b'{"members": {}}')], "its manifest has no format_version"),
])
def test_a_crafted_payload_is_refused(tmp_path, records, said):
    path = craft(tmp_path, records(manifest_for(tmp_path, a=b"1")))
    error = refused(archive.read_backup, path)
    assert "is damaged: " in str(error) and said in str(error)


def test_a_record_that_runs_past_the_payload(tmp_path):
    path = craft(tmp_path, [(b"m", b"a", b"1")])
    clear, rest = split(path)
    rest = rest[:3] + b"\x00\x00\x00\x00\x00\x00\x01\x00" + rest[11:]  # a data length of 256
    with open(path, "wb") as handle:
        handle.write(clear + rest)
    rewrite_header(path, lambda h: h["payload"].update(sha256=hashlib.sha256(rest).hexdigest()))
    assert "a record of its payload runs past its end" in str(refused(archive.read_backup, path))
