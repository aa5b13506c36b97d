# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The text_table filter: rows as aligned lines of text, for terminals and AWX's job output."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError


def text_table(rows, headers):
    """Lines of a table: ``headers`` then each row, columns padded to their widest cell."""
    if not isinstance(headers, (list, tuple)) or not headers:
        raise AnsibleFilterError("text_table needs a list of column headers")
    table = [[str(h) for h in headers]]
    for number, row in enumerate(rows or [], 1):
        if not isinstance(row, (list, tuple)) or len(row) != len(headers):
            raise AnsibleFilterError("text_table: row %d has %s cells, the headers %d" % (
                number, len(row) if isinstance(row, (list, tuple)) else "no", len(headers)))
        table.append(["" if cell is None else str(cell) for cell in row])
    widths = [max(len(line[column]) for line in table) for column in range(len(headers))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in table]


class FilterModule(object):

    def filters(self):
        return {"text_table": text_table}
