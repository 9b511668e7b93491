"""Fetch Apache Kafka's jars from Maven Central with the Maven recipe in ``deploy/kafka``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from stream.errors import BrokerError

REPO_ROOT = Path(__file__).resolve().parents[2]
POM = REPO_ROOT / "deploy" / "kafka" / "pom.xml"
COMPLETE_MARKER = ".complete"


def jar_dir(cache_dir: Path) -> Path:
    return cache_dir / "libs"


def ensure_jars(cache_dir: Path, *, quiet: bool = True) -> Path:
    """Return a directory holding every jar the broker needs, fetching them on first use."""
    libs = jar_dir(cache_dir)
    if (libs / COMPLETE_MARKER).exists():
        return libs
    if not POM.exists():
        raise BrokerError(f"the Maven recipe {POM} is missing: run from a source checkout")
    mvn = shutil.which("mvn")
    if mvn is None:
        raise BrokerError("Maven ('mvn') is needed to fetch Kafka: install it, e.g. apt-get install maven")
    libs.mkdir(parents=True, exist_ok=True)
    cmd = [
        mvn, "-B", "-f", str(POM), "dependency:copy-dependencies",
        "-DincludeScope=runtime", f"-DoutputDirectory={libs.resolve()}",
    ]
    if quiet:
        cmd.insert(1, "-q")
    result = subprocess.run(cmd, capture_output=quiet, text=True)
    if result.returncode != 0:
        tail = (result.stdout or "")[-2000:] + (result.stderr or "")[-2000:]
        raise BrokerError(f"fetching Kafka with Maven failed (exit {result.returncode}): {tail.strip()}")
    if not any(libs.glob("kafka_2.13-*.jar")):
        raise BrokerError(f"Maven finished but no kafka_2.13 jar is in {libs}")
    (libs / COMPLETE_MARKER).write_text("ok\n")
    return libs
