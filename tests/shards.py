"""`pytest --shard K/N` runs only the K-th of N slices of the collected tests (K from 0),
chosen by a stable hash of each test's id: the same test always falls in the same slice,
and adding a test moves no other. CI's calendar runs use it to run each test as of one of
its unusual instants, turning the slices round from day to day (.ci/run)."""

import zlib

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--shard",
        metavar="K/N",
        default=None,
        help="run only the K-th (from 0) of N slices of the tests, by a hash of their ids",
    )


def _parse(value: str) -> tuple[int, int]:
    try:
        k, n = (int(part) for part in value.split("/"))
    except ValueError:
        raise pytest.UsageError(f"--shard {value!r}: expected K/N, e.g. 0/3") from None
    if not (n > 0 and 0 <= k < n):
        raise pytest.UsageError(f"--shard {value!r}: K must be from 0 to N-1")
    return k, n


def in_shard(nodeid: str, k: int, n: int) -> bool:
    return zlib.crc32(nodeid.encode()) % n == k


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    value = config.getoption("shard")
    if not value:
        return
    k, n = _parse(value)
    kept = [item for item in items if in_shard(item.nodeid, k, n)]
    dropped = [item for item in items if not in_shard(item.nodeid, k, n)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = kept


def pytest_report_header(config: pytest.Config) -> str | None:
    value = config.getoption("shard")
    return f"shard: {value} of the tests" if value else None
