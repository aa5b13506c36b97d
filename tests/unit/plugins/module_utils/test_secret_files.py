# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils import _secret_files as secret_files
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError


@pytest.fixture
def wide_umask():
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_write_secret_file_is_0600_even_with_umask_0(tmp_path, wide_umask):
    dest = tmp_path / "kubeconfig"
    secret_files.write_secret_file(str(dest), b"secret")
    assert dest.read_bytes() == b"secret"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert os.listdir(str(tmp_path)) == ["kubeconfig"]


def test_writer_streams_chunks_into_place_with_mode_0600(tmp_path, wide_umask):
    dest = tmp_path / "big"
    with secret_files.secret_file_writer(str(dest), option="path") as stream:
        for chunk in (b"a" * 1000, b"b" * 1000):
            stream.write(chunk)
        # Nothing at dest until the block ends; the temporary file is already private.
        assert not dest.exists()
        (temporary,) = list(tmp_path.iterdir())
        assert temporary.name.startswith(".k0smotron-fleet-")
        assert stat.S_IMODE(temporary.stat().st_mode) == 0o600
    assert dest.read_bytes() == b"a" * 1000 + b"b" * 1000
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert os.listdir(str(tmp_path)) == ["big"]


def test_writer_leaves_the_old_file_and_nothing_else_when_the_block_fails(tmp_path):
    dest = tmp_path / "backup"
    dest.write_bytes(b"old")
    with pytest.raises(FleetError, match="refused half way"):
        with secret_files.secret_file_writer(str(dest)) as stream:
            stream.write(b"new, partial")
            raise FleetError("refused half way")
    assert dest.read_bytes() == b"old"
    assert os.listdir(str(tmp_path)) == ["backup"]


def test_writer_names_the_option_when_the_directory_is_missing(tmp_path):
    with pytest.raises(FleetError, match="The directory of path '.*' does not exist"):
        with secret_files.secret_file_writer(str(tmp_path / "no" / "file"), option="path"):
            pass  # pragma: no cover - not reached


def test_writer_turns_a_failed_write_into_a_fleet_error_naming_the_option(tmp_path):
    dest = tmp_path / "file"
    with pytest.raises(FleetError, match="Cannot write '.*file': .*Check path and its directory"):
        with secret_files.secret_file_writer(str(dest), option="path") as stream:
            stream.write(b"a")
            raise OSError(28, "No space left on device")
    assert os.listdir(str(tmp_path)) == []
