"""tests/api/test_upload_staging.py on S3 (a real SeaweedFS server): a file stored as
sent goes out as a multipart upload while it is received and checked, completed only
once the check passed; a refused one, or one whose client hung up, is aborted,
leaving neither an object nor an unfinished upload; a PDF is stored cleaned."""

from __future__ import annotations

import pytest

from tests.api.test_upload_staging import (  # collected again here with the S3 backend
    tenant,
    test_a_cleaned_copy_written_over_itself_is_sent_afresh,
    test_a_cleaned_pdf_is_sent_while_the_worker_writes_it,
    test_a_client_that_hangs_up_mid_body_leaves_nothing,
    test_a_file_is_sent_while_received_and_stored_with_its_sha256,
    test_a_file_stored_as_sent_is_staged_while_it_is_checked,
    test_a_file_stored_as_sent_keeps_its_bytes_and_their_sha256,
    test_a_file_the_api_did_not_spool_is_copied_into_a_spool,
    test_a_pdf_is_stored_cleaned,
    test_a_refused_file_is_refused_when_the_store_is_slower_than_the_check,
    test_a_refused_file_leaves_nothing_in_the_store,
    test_a_refused_file_sent_while_received_leaves_nothing,
    test_an_upload_whose_process_died_mid_body_is_left_for_the_sweep,
    test_the_worker_checks_the_api_spool_in_place,
)
from tests.integration.test_object_store_s3 import backend, s3_server

pytestmark = pytest.mark.s3

__all__ = [
    "backend",
    "s3_server",
    "tenant",
    "test_a_cleaned_copy_written_over_itself_is_sent_afresh",
    "test_a_cleaned_pdf_is_sent_while_the_worker_writes_it",
    "test_a_client_that_hangs_up_mid_body_leaves_nothing",
    "test_a_file_is_sent_while_received_and_stored_with_its_sha256",
    "test_a_file_stored_as_sent_is_staged_while_it_is_checked",
    "test_a_file_stored_as_sent_keeps_its_bytes_and_their_sha256",
    "test_a_file_the_api_did_not_spool_is_copied_into_a_spool",
    "test_a_pdf_is_stored_cleaned",
    "test_a_refused_file_is_refused_when_the_store_is_slower_than_the_check",
    "test_a_refused_file_leaves_nothing_in_the_store",
    "test_a_refused_file_sent_while_received_leaves_nothing",
    "test_an_upload_whose_process_died_mid_body_is_left_for_the_sweep",
    "test_the_worker_checks_the_api_spool_in_place",
]
