"""The CLI's error paths: one line on stderr, no traceback, non-zero exit."""

import pytest

from stream.cli import main


def run(capsys, *argv: str) -> tuple[int, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    return code, err


@pytest.mark.parametrize(
    "argv",
    [
        ("nope",),
        ("replay", "--rate", "fast"),
        ("replay", "--rate", "-1"),
        ("alerts", "--category", "weather!"),
        ("alerts", "--min-severity", "urgent"),
        ("alerts", "--since", "yesterday"),
        ("alerts", "--since", "2h", "--from-beginning"),
        ("broker", "restart"),
        ("broker", "start", "--nodes", "0"),
        ("broker", "start", "--nodes", "three"),
    ],
)
def test_bad_arguments_give_one_line(capsys, argv):
    code, err = run(capsys, *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_missing_replay_path_is_one_line(capsys, tmp_path):
    code, err = run(capsys, "replay", str(tmp_path / "missing.txt"))
    assert code == 2 and "no such file" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("command", ["worker", "replay", "alerts"])
def test_unreachable_broker_is_one_line_with_advice(capsys, monkeypatch, command):
    monkeypatch.setenv("STREAM_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    code, err = run(capsys, command)
    assert code == 2 and "stream broker start" in err
    assert len(err.strip().splitlines()) == 1, err
