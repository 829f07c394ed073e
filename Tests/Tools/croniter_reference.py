"""Independent reference for the cron tests: `croniter_reference.py IN OUT` reads
[{"expression", "start", "count"}] (start in epoch seconds, UTC) as JSON from IN and writes to OUT,
for each, the next `count` fire times from croniter as epoch seconds (or an error text)."""
import json
import sys
from datetime import datetime, timezone

from croniter import croniter


def main() -> None:
    results = []
    with open(sys.argv[1]) as source:
        cases = json.load(source)
    for case in cases:
        try:
            start = datetime.fromtimestamp(case["start"], tz=timezone.utc)
            iterator = croniter(case["expression"], start)
            results.append([int(iterator.get_next(datetime).timestamp()) for _ in range(case["count"])])
        except Exception as error:  # reported to the test, which fails on it
            results.append(f"{type(error).__name__}: {error}")
    with open(sys.argv[2], "w") as target:
        json.dump(results, target)


main()
