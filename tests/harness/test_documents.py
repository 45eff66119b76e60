"""Documents, ids and key choices derive from (workload, item number) alone."""

import json
import random
from collections import Counter
from pathlib import Path

from bench.harness.documents import item_id
from bench.harness.keys import HotspotChooser, UniformChooser, ZipfChooser
from bench.harness.workload import load_workload

CATALOG = Path(__file__).parents[2] / "workloads" / "catalog.toml"


def test_documents_are_deterministic_and_sized():
    workload = load_workload(CATALOG)
    first, second = workload.document_factory(), workload.document_factory()
    assert first.document(7) == second.document(7)
    assert first.document(7) != first.document(8)
    doc = first.document(7)
    assert doc["id"] == item_id("catalog", 7) == "catalog-00000007"
    assert {"categoryId", "categoryName", "sku", "name", "description", "price", "tags"} <= set(doc)
    assert abs(len(json.dumps(doc)) - 1024) < 80
    assert first.partition_key(doc) == doc["categoryId"]


def test_categories_are_contiguous_blocks():
    factory = load_workload(CATALOG).document_factory()  # 2000 items, 20 categories
    assert factory.document(0)["categoryId"] == "cat-000"
    assert factory.document(99)["categoryId"] == "cat-000"
    assert factory.document(100)["categoryId"] == "cat-001"
    assert factory.document(1999)["categoryId"] == "cat-019"


def test_template_placeholders_and_hierarchical_keys(tmp_path):
    (tmp_path / "user.json").write_text(
        json.dumps({"tenantId": "t{n%3}", "userId": "u{n}", "age": 30, "tags": ["{n}"]})
    )
    (tmp_path / "w.toml").write_text(
        'name = "users"\n[container]\npartition_key = ["/tenantId", "/userId"]\n'
        '[documents]\ngenerator = "template"\ntemplate = "user.json"\ncount = 10\n'
        '[operations.r]\nkind = "read"\n'
    )
    factory = load_workload(tmp_path / "w.toml").document_factory()
    doc = factory.document(5)
    assert doc == {
        "tenantId": "t2",
        "userId": "u5",
        "age": 30,
        "tags": ["5"],
        "id": "users-00000005",
    }
    assert factory.partition_key(doc) == ["t2", "u5"]


def test_key_choosers_shape_the_distribution():
    rng = random.Random(1)
    uniform_chooser = UniformChooser(10)
    uniform = Counter(uniform_chooser.choose(rng) for _ in range(20_000))
    assert set(uniform) == set(range(10)) and max(uniform.values()) < 2300
    zipf_chooser = ZipfChooser(1000, 1.2)
    zipf = Counter(zipf_chooser.choose(rng) for _ in range(20_000))
    assert zipf[0] > zipf[10] > zipf[500]
    assert all(0 <= k < 1000 for k in zipf)
    hot_chooser = HotspotChooser(100, 0.1, 0.9)
    hot = Counter(hot_chooser.choose(rng) for _ in range(20_000))
    share = sum(v for k, v in hot.items() if k < 10) / 20_000
    assert 0.88 < share < 0.92
