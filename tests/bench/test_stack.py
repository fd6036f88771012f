"""The benchmark stack's ports: chosen where nothing else is handed them while a child process starts."""

import socket
from pathlib import Path

import pytest

from bench import stack
from bench.stack import PRIVATE_PORTS_FROM, free_port


def test_chosen_ports_are_free_distinct_and_outside_the_range_the_kernel_hands_out() -> None:
    lowest_ephemeral = int(stack.EPHEMERAL_RANGE.read_text().split()[0])
    ports = [free_port() for _ in range(50)]
    assert all(PRIVATE_PORTS_FROM <= port < lowest_ephemeral for port in ports)
    assert len(set(ports)) == len(ports), "never the same port twice: a stack's parts each get their own"
    with socket.socket() as child:
        child.bind(("127.0.0.1", ports[0]))


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


@pytest.mark.parametrize(
    ("ephemeral_range", "chosen_among"),
    [
        ("32768\t60999\n", (20_000, 32_768)),  # Linux's default
        ("49152 65535", (20_000, 49_152)),
        ("20500 60999", None),  # fewer than 1,000 ports between the services and the range
        ("1024 65535", None),
        ("", None),
    ],
)
def test_ports_are_chosen_below_the_ephemeral_range_where_it_leaves_room(
    ephemeral_range: str, chosen_among: tuple[int, int] | None, tmp_path: Path
) -> None:
    written = tmp_path / "ip_local_port_range"
    written.write_text(ephemeral_range)
    assert stack._private_ports(written) == chosen_among


def test_where_the_range_cannot_be_read_the_kernel_chooses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stack, "EPHEMERAL_RANGE", tmp_path / "not-linux")
    ports = [free_port() for _ in range(5)]
    for port in ports:
        with socket.socket() as child:
            child.bind(("127.0.0.1", port))
