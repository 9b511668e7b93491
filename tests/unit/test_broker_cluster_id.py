import uuid

from stream.broker.local import BrokerConfig, LocalBroker, new_cluster_id

DASH_FIRST = uuid.UUID(bytes=bytes([0xF8]) + bytes(15))  # base64url of 0xF8... starts with '-'


def test_a_cluster_id_never_starts_with_a_dash(monkeypatch):
    draws = iter([DASH_FIRST, DASH_FIRST, uuid.UUID(int=7)])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(draws))
    cluster_id = new_cluster_id()
    assert not cluster_id.startswith("-") and len(cluster_id) == 22


def test_thousands_of_ids_are_valid_kafka_ids():
    ids = {new_cluster_id() for _ in range(5000)}
    assert len(ids) == 5000 and not any(i.startswith("-") for i in ids)


def test_a_stored_dash_id_that_never_formatted_is_replaced(tmp_path):
    broker = LocalBroker(BrokerConfig(state_dir=tmp_path, cache_dir=tmp_path))
    (tmp_path / "cluster.id").write_text("-" + "a" * 21)
    replaced = broker._cluster_id()
    assert not replaced.startswith("-") and (tmp_path / "cluster.id").read_text() == replaced
    assert broker._cluster_id() == replaced, "a good id is kept"
