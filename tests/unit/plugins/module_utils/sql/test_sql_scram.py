# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._sql._scram import password_matches, scram_verifier

# What PostgreSQL 15 stored for role vec_user with password 'Vector-pw-42!' (SCRAM, then MD5).
SERVER_SCRAM = ("SCRAM-SHA-256$4096:Hy6ayl7AlUObbVL0o3d6iw==$vw99oZ+RwdXLj7vOoUJ/whnr1IS6stU4pFLHjb3wTCY=:"
                "Zd+2Rd/eIi8YyQA4or0Ctm+PI9thSAJshNKNkcrwAwc=")
SERVER_MD5 = "md596b4bc812e1e051e0bdb9b7a2e96017a"


def test_server_verifiers_match_their_password_only():
    assert password_matches(SERVER_SCRAM, "vec_user", "Vector-pw-42!") is True
    assert password_matches(SERVER_SCRAM, "vec_user", "Vector-pw-43!") is False
    assert password_matches(SERVER_MD5, "vec_user", "Vector-pw-42!") is True
    assert password_matches(SERVER_MD5, "other_user", "Vector-pw-42!") is False


def test_own_verifier_round_trip():
    stored = scram_verifier("Plane-secret-4242", b"0123456789abcdef", 4096)
    assert password_matches(stored, "u", "Plane-secret-4242") is True
    assert password_matches(stored, "u", "Plane-secret-4243") is False


def test_unknown_or_broken_verifiers_cannot_tell():
    assert password_matches("SCRAM-SHA-256$garbage", "u", "p") is None
    assert password_matches("plain-text-password", "u", "p") is None
    assert password_matches(None, "u", "p") is False
