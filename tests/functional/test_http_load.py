"""Sixteen clients at once against real `parcours-engine serve` processes get no 5xx (issue 16).

The same harness as `make bench-http` (bench/http_load.py), smaller: on SQLite one `serve` with its
scheduler inside; on PostgreSQL two `serve --no-scheduler` and one `scheduler`, as deployed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.http_load import bench_database


@pytest.mark.slow
def test_sixteen_clients_completing_tasks_on_real_servers_get_no_5xx(
    database_url: str, tmp_path: Path
) -> None:
    postgres = database_url.startswith("postgresql")
    (result,) = bench_database(
        database_url, tmp_path, serve=2 if postgres else 1, apart=postgres, counts=[16], per_config=64
    )
    assert dict(result.answers) == {"2xx": 64}
