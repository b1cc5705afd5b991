"""Log lines that quote a caller's text stay writable as UTF-8."""

from __future__ import annotations

import io
import logging

from schema.errors import EncodableLogLines, log_encodably


def test_a_lone_surrogate_is_logged_as_an_escape() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("kjede.test.surrogates")
    logger.addHandler(handler)
    logger.addFilter(EncodableLogLines())
    logger.propagate = False
    logger.error("Syntax Error: %s", 'auditReports(filter: {text: "\ud800"})')
    written = stream.getvalue()
    written.encode("utf-8")  # raised UnicodeEncodeError before the filter
    assert '{text: "\\ud800"}' in written
    logger.error("plain %s", "text")
    assert stream.getvalue().endswith("plain text\n")


def test_the_filter_is_installed_once_on_the_quoting_loggers() -> None:
    log_encodably()
    log_encodably()
    filters = logging.getLogger("strawberry.execution").filters
    assert sum(isinstance(f, EncodableLogLines) for f in filters) == 1
