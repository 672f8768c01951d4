"""farl_mm/datasets/laion_face_sharding.py: shard listing and the readers'
ranges, as pure functions (the streaming itself: test_laion_face.py and
test_laion_face_two_ranks.py)."""
import json
from collections import Counter

import pytest

from farl_mm.datasets.laion_face_sharding import (list_shards, pass_order,
                                                  segments, worker_quotas)


def test_list_shards_reads_sizes_and_joins_the_root(tmp_path):
    (tmp_path / 'sizes.json').write_text(
        json.dumps({'00000.tar': 5, '00001.tar': 3, '00002.tar': 4}))
    urls, sizes = list_shards(None, str(tmp_path))
    assert urls == [str(tmp_path / f'0000{i}.tar') for i in range(3)]
    assert sizes == [5, 3, 4]
    urls, sizes = list_shards('{00001..00002}.tar', str(tmp_path))
    assert (len(urls), sizes) == (2, [3, 4])
    # a shard sizes.json does not count: only with num_samples, sizes None
    assert list_shards(['x.tar', 'pipe:cat y.tar'], str(tmp_path),
                       num_samples=8) == ([str(tmp_path / 'x.tar'),
                                           'pipe:cat y.tar'], None)
    with pytest.raises(KeyError, match=r"no count for \['.*x.tar'\]"):
        list_shards(['x.tar'], str(tmp_path))
    with pytest.raises(FileNotFoundError, match='laion_face_shards.py'):
        list_shards(None, str(tmp_path / 'missing'))


def test_segments_cover_each_position_once_across_passes():
    sizes = [5, 3, 4]  # 12 samples a pass
    order = lambda p: pass_order(3, seed=1, index=p)  # noqa: E731
    assert all(sorted(order(p)) == [0, 1, 2] for p in range(3))
    reads = list(segments(sizes, 10, 20, order))  # 2 of pass 0, all of 1,
    positions = Counter()                         # 6 of pass 2
    for shard, skip, take in reads:
        assert 0 <= skip and skip + take <= sizes[shard]
        positions.update((shard, k) for k in range(skip, skip + take))
    assert sum(take for _, _, take in reads) == 20
    assert sum(positions.values()) == 20
    # pass 1 covers every sample; passes 0 and 2 add 2 + 6 more
    assert set(positions) >= {(s, k) for s in range(3)
                              for k in range(sizes[s])}
    first = order(0)[-1]  # the tail of pass 0: its last shard's last two
    assert reads[0] == (first, sizes[first] - 2, 2)


def test_worker_quotas_split_a_rank_evenly():
    assert worker_quotas(10, 4) == [3, 3, 2, 2]
    assert worker_quotas(10, 0) == [10]
