"""What hiding secrets costs: the redactor over a million tag names, with no secret
registered and with ten (each in its echoed forms), one string at a time (the TUI's
``literal``) and a thousand lines at a time (the CLI's ``print_lines``); and the same
names each ending in an ellipsis (where the start of a cut-off secret is looked for).

    PYTHONPATH=src python benchmarks/redaction.py [--tags N]

Prints one line per case: seconds and microseconds per string. No target is asserted.
"""

from __future__ import annotations

import argparse
import secrets
import time

from regview.registry import Credential, Redactor


def measure(redactor: Redactor, tags: list[str]) -> tuple[float, float]:
    started = time.perf_counter()
    for tag in tags:
        redactor.redact(tag)
    one_by_one = time.perf_counter() - started
    started = time.perf_counter()
    for start in range(0, len(tags), 1024):
        redactor.redact("\n".join(tags[start : start + 1024]))
    chunked = time.perf_counter() - started
    return one_by_one, chunked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tags", type=int, default=1_000_000)
    args = parser.parse_args()
    tags = [f"v1.{i}.{i % 97}-build{i}" for i in range(args.tags)]
    redactor = Redactor()
    for label in ("no secret", "10 secrets"):
        if label == "10 secrets":
            for i in range(5):
                redactor.register_credential(
                    Credential(f"user{i}", secrets.token_urlsafe(16), source="benchmark")
                )
                redactor.register(secrets.token_hex(32))
        for shape, names in (("", tags), (" ending in …", [t + "…" for t in tags])):
            one, chunked = measure(redactor, names)
            n = len(names)
            print(f"{label:<11} {n:,} tags{shape}: one by one {one:.2f} s "
                  f"({one / n * 1e6:.2f} us each); 1024 lines at a time {chunked:.2f} s")


if __name__ == "__main__":
    main()
