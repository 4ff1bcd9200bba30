"""The one CSV writer of every export (attendance, cameras, ...): UTF-8 text, CRLF rows, and cells no
spreadsheet evaluates (text starting like a formula gets a leading quote: CSV injection)."""

import csv
import io

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A value as a CSV cell: None empty, booleans true/false, formula-like text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class CsvWriter:
    """Rows (dicts) under a header of ``columns``; other keys of a row are left out."""

    def __init__(self, columns):
        self.columns = list(columns)
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")
        self.writer.writerow(self.columns)

    def row(self, values):
        self.writer.writerow([csv_cell(values.get(column)) for column in self.columns])

    def text(self):
        return self.buffer.getvalue()
