"""The benchmark stack's ports: chosen where nothing else is handed them while a child process starts."""

import socket
from pathlib import Path

from bench.stack import PRIVATE_PORTS_FROM, free_port


def test_a_chosen_port_is_free_and_outside_the_range_the_kernel_hands_out() -> None:
    lowest_ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = {free_port() for _ in range(20)}
    assert all(PRIVATE_PORTS_FROM <= port < lowest_ephemeral for port in ports)
    assert len(ports) > 1, "chosen at random, so two stacks starting together do not choose alike"
    with socket.socket() as child:
        child.bind(("127.0.0.1", ports.pop()))


def test_a_port_taken_meanwhile_is_not_chosen() -> None:
    taken = []
    try:
        for _ in range(50):
            listener = socket.socket()
            listener.bind(("127.0.0.1", free_port()))
            listener.listen()
            taken.append(listener)
        held = {listener.getsockname()[1] for listener in taken}
        assert all(free_port() not in held for _ in range(50))
    finally:
        for listener in taken:
            listener.close()
