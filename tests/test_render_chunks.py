"""How a writer's per-pledge work is shared out (reportgen.formats.render.chunk_plan, parallel_map)."""

from __future__ import annotations

import pytest

from reportgen.formats.render import (
    CHUNK,
    LAST_CHUNK,
    PARALLEL_THRESHOLD,
    chunk_plan,
    parallel_map,
)


@pytest.mark.parametrize("count", [1, 2, 3, 23, 24, 25, 64, 300, 3001])
@pytest.mark.parametrize("workers", [2, 3, 4])
def test_every_index_once_in_order_in_chunks_that_shrink_toward_the_end(
    count: int, workers: int
) -> None:
    chunks = chunk_plan(count, workers)
    assert [i for chunk in chunks for i in chunk] == list(range(count))
    sizes = [len(chunk) for chunk in chunks]
    assert all(0 < size <= CHUNK for size in sizes)
    assert sizes == sorted(sizes, reverse=True)
    # Never larger than what keeps every worker busy twice over, where that is
    # above the least chunk: no worker is left with a large chunk at the end.
    done = 0
    for size in sizes:
        left = count - done
        assert size <= max(LAST_CHUNK, left // (workers * 2))
        done += size


def test_a_large_count_takes_full_chunks_first_and_small_ones_last() -> None:
    sizes = [len(chunk) for chunk in chunk_plan(300, 2)]
    assert sizes[0] == CHUNK and sizes[-1] <= LAST_CHUNK
    assert sizes == sorted(sizes, reverse=True)
    assert sum(1 for size in sizes if size <= LAST_CHUNK) <= 8


def test_results_come_back_in_order_whatever_the_chunks() -> None:
    count = PARALLEL_THRESHOLD * 5 + 7
    assert parallel_map(_square, count, 3, 2) == [3 * i * i for i in range(count)]
    assert parallel_map(_square, count, 3, 1) == [3 * i * i for i in range(count)]


def _square(state: int, i: int) -> int:
    return state * i * i
