"""Nothing on the wire is decoded by a code-executing codec (pickle and friends)."""

from pathlib import Path

from stream.app import build_app
from stream.config import Settings

SAFE = {"raw", "json"}
REPO = Path(__file__).resolve().parents[2]


def test_every_topic_table_and_default_codec_of_the_worker_is_raw_or_json(tmp_path):
    ctx = build_app(Settings(state_dir=tmp_path))
    app = ctx.app
    assert {app.conf.key_serializer, app.conf.value_serializer} <= SAFE
    topics = [ctx.paragraphs, ctx.tagged, ctx.mentions, ctx.dlq, ctx.alerts, *ctx.alerts_by_category.values()]
    for topic in topics:
        assert {topic.key_serializer, topic.value_serializer} == {"raw"}, topic.get_topic_name()
    for table in app.tables.values():
        assert {table.key_serializer, table.value_serializer} == {"raw"}, table.name
        changelog = table.changelog_topic
        assert {changelog.key_serializer or "raw", changelog.value_serializer or "raw"} <= SAFE


def test_no_module_of_the_service_imports_a_pickle_capable_codec():
    for path in (REPO / "stream").rglob("*.py"):
        text = path.read_text()
        for banned in ("import pickle", "import marshal", "import dill", "import cloudpickle", '"pickle"', "'pickle'"):
            assert banned not in text, f"{path.relative_to(REPO)}: {banned}"
