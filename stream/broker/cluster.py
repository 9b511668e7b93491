"""A local multi-node KRaft cluster on 127.0.0.1: every node is broker and controller.

``<state>/nodes.json`` pins each node's ports on first start, so a restarted cluster keeps
its quorum; node 1 listens on the configured bootstrap port, the others on free ports. Topics
get the replication factor ``min(3, nodes)`` and ``min.insync.replicas`` one less (at least 1)
by default; producers with ``acks=all`` then survive the loss of any one node of three.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from stream.broker.local import BrokerConfig, LocalBroker, free_port, new_cluster_id
from stream.broker.readiness import wait_until_ready
from stream.errors import BrokerError


class LocalCluster:
    def __init__(self, state_dir: Path, cache_dir: Path, nodes: int = 3, port: int = 9092, partitions: int = 4) -> None:
        if nodes < 1:
            raise BrokerError(f"a cluster needs at least one node, got {nodes}")
        self.state = state_dir
        self.size = nodes
        self.replication = min(3, nodes)
        self.min_insync = max(1, self.replication - 1)
        ports = self._ports(port)
        voters = tuple((n, ports[n - 1][1]) for n in range(1, nodes + 1))
        self.nodes = [
            LocalBroker(BrokerConfig(
                state_dir=state_dir / f"node-{n}", cache_dir=cache_dir, port=ports[n - 1][0],
                controller_port=ports[n - 1][1], partitions=partitions, node_id=n, voters=voters,
                replication=self.replication, min_insync=self.min_insync))
            for n in range(1, nodes + 1)
        ]

    def _ports(self, port: int) -> list[tuple[int, int]]:
        """(broker, controller) ports per node: pinned in nodes.json once chosen."""
        pinned = self.state / "nodes.json"
        if pinned.exists():
            ports = [tuple(p) for p in json.loads(pinned.read_text())]
            if len(ports) == self.size and ports[0][0] == port:
                return ports  # type: ignore[return-value]
            raise BrokerError(f"{self.state} holds a cluster of {len(ports)} nodes on port {ports[0][0]}: "
                              f"stop it and remove the directory to make one of {self.size} on port {port}")
        ports = [(port if n == 0 else free_port(), free_port()) for n in range(self.size)]
        self.state.mkdir(parents=True, exist_ok=True)
        pinned.write_text(json.dumps(ports))
        return ports

    @property
    def bootstrap(self) -> str:
        return ",".join(node.config.bootstrap for node in self.nodes)

    def _share_cluster_id(self) -> None:
        path = self.state / "cluster.id"
        if not path.exists():
            path.write_text(new_cluster_id())
        for node in self.nodes:
            node.state.mkdir(parents=True, exist_ok=True)
            (node.state / "cluster.id").write_text(path.read_text())

    def start(self, timeout: float = 180.0) -> "LocalCluster":
        """Launch every node (a quorum needs a majority up at once), then wait for all to register."""
        self._share_cluster_id()
        try:
            for node in self.nodes:
                node.launch()
            if not wait_until_ready(self.bootstrap, timeout, still_running=self.all_running, min_brokers=self.size):
                raise BrokerError(f"the {self.size}-node cluster did not become ready: "
                                  + " | ".join(n.output_tail(3) for n in self.nodes))
        except BaseException:
            self.stop()
            raise
        return self

    def all_running(self) -> bool:
        return all(node.running() for node in self.nodes)

    def running_pids(self) -> list[int | None]:
        return [node.running_pid() for node in self.nodes]

    def stop(self, timeout: float = 30.0) -> bool:
        """SIGTERM every node at once: one by one, the last ones would wait for a lost quorum."""
        with ThreadPoolExecutor(max_workers=self.size) as pool:
            stopped = list(pool.map(lambda node: node.stop(timeout), self.nodes))
        return any(stopped)

    def wait(self) -> int:
        while self.all_running():
            time.sleep(0.5)
        return 1
