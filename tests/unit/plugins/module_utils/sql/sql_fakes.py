# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Stand-ins for psycopg2 and PyMySQL at the driver boundary: connections that answer the catalog
queries from a plain dictionary and record every statement."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import types

ADMIN_PASSWORD = "Admin-secret-9911"
PASSWORD = "Plane-secret-4242"


class Fragment(object):
    def __init__(self, text):
        self.text = text


class SQL(Fragment):
    def format(self, *parts):
        return SQL(self.text.format(*[part.text for part in parts]))


class Identifier(Fragment):
    def __init__(self, name):
        super(Identifier, self).__init__('"%s"' % name.replace('"', '""'))


class Literal(Fragment):
    def __init__(self, value):
        super(Literal, self).__init__("'%s'" % value.replace("'", "''"))


class Cursor(object):
    def __init__(self, connection):
        self.connection = connection
        self.rows = []
        self.description = None

    def execute(self, query, args=None):
        text = query.text if isinstance(query, Fragment) else query
        self.connection.driver.executed.append((text, args))
        self.rows, names = self.connection.driver.answer(text, args)
        self.description = [(name,) for name in names] if names else None

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def fetchall(self):
        return list(self.rows)

    def close(self):
        pass


class Connection(object):
    def __init__(self, driver, server_version=150000):
        self.driver = driver
        self.autocommit = False
        self.server_version = server_version
        self.closed = False

    def cursor(self):
        return Cursor(self)

    def close(self):
        self.closed = True


class FakeDriver(object):
    """A driver module: ``connect`` logs in, or raises what ``refuse(kwargs)`` gives; statements are
    answered by ``answer(text, args)`` (rows, column names) and recorded in ``executed``."""

    def __init__(self, answers, refuse=None):
        self.answers = answers
        self.refuse = refuse or (lambda kwargs: None)
        self.logins = []
        self.executed = []

    def connect(self, **kwargs):
        self.logins.append(kwargs)
        error = self.refuse(kwargs)
        if error is not None:
            raise error
        return Connection(self)

    def answer(self, text, args):
        for start, result in self.answers.items():
            if text.startswith(start):
                outcome = result(args) if callable(result) else result
                if isinstance(outcome, Exception):
                    raise outcome
                return outcome if isinstance(outcome, tuple) else (outcome, None)
        return [], None

    def changes(self):
        """The statements that change something (everything but SELECT)."""
        return [text for text, _args in self.executed if not text.startswith("SELECT")]


def fake_psycopg2(answers, refuse=None):
    driver = FakeDriver(answers, refuse)
    module = types.SimpleNamespace(connect=driver.connect, driver=driver)

    class Error(Exception):
        def __init__(self, message, pgcode=None):
            super(Error, self).__init__(message)
            self.pgcode = pgcode
            self.pgerror = message

    class OperationalError(Error):
        pass

    module.Error, module.OperationalError = Error, OperationalError
    module.sql = types.SimpleNamespace(SQL=SQL, Identifier=Identifier, Literal=Literal)
    module.extensions = types.SimpleNamespace(
        encrypt_password=lambda password, user, scope: "SCRAM-SHA-256$4096:fake-for-%s" % user)
    return module


def fake_pymysql(answers, refuse=None):
    driver = FakeDriver(answers, refuse)
    module = types.SimpleNamespace(connect=driver.connect, driver=driver)

    class MySQLError(Exception):
        pass

    class OperationalError(MySQLError):
        pass

    module.MySQLError, module.OperationalError = MySQLError, OperationalError
    return module
