"""How fast existing plans come in: a bulk import through the API of a running stack.

Start the stack with `make run` in another terminal, then:

    .venv/bin/python bench/import_plans.py --rows 2000

It imports N synthetic plans (invented names) into a fresh LA code, then imports the same file again
(every row already present), and prints a JSON summary of both runs.
"""

import argparse
import json
import random
import time
import urllib.request
from datetime import date


def synthetic_csv(rows: int, la_code: str, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    lines = ["la_code,la_reference,given_name,family_name,date_of_birth,plan_issued_on,last_review_on"]
    for n in range(rows):
        born = date(rng.randint(2008, 2020), rng.randint(1, 12), rng.randint(1, 28))
        issued = date(2024, rng.randint(1, 12), rng.randint(1, 28))
        reviewed = date(2025, rng.randint(1, 9), rng.randint(1, 28))
        letters = "".join(chr(ord("a") + int(digit)) for digit in str(n))  # names are letters only
        lines.append(f"{la_code},BENCH/{n},Given {letters},Family {letters},{born},{issued},{reviewed}")
    return ("\n".join(lines) + "\n").encode()


def post(url: str, body: bytes) -> tuple[float, dict]:
    request = urllib.request.Request(url, data=body, headers={"content-type": "text/csv"}, method="POST")
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        report = json.loads(response.read())
    return time.perf_counter() - started, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--api", default="http://127.0.0.1:8000")
    args = parser.parse_args()
    la_code = f"B{random.randint(10000, 99999)}"
    body = synthetic_csv(args.rows, la_code)
    first_seconds, first = post(f"{args.api}/plans/import", body)
    again_seconds, again = post(f"{args.api}/plans/import", body)
    summary = {
        "rows": args.rows,
        "first_import": {
            "seconds": round(first_seconds, 2),
            "imported": first["imported"],
            "plans_per_second": round(first["imported"] / first_seconds, 1),
        },
        "second_import": {
            "seconds": round(again_seconds, 2),
            "already_present": again["already_present"],
            "imported": again["imported"],
        },
    }
    print(json.dumps(summary, indent=2))  # noqa: T201 - the benchmark's output


if __name__ == "__main__":
    main()
