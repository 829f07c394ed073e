"""Independent reference for the cron tests: reads [{"expression", "start", "count"}] (start in
epoch seconds, UTC) as JSON on stdin and prints, for each, the next `count` fire times from croniter
as epoch seconds (or an error text)."""
import json
import sys
from datetime import datetime, timezone

from croniter import croniter


def main() -> None:
    results = []
    for case in json.load(sys.stdin):
        try:
            start = datetime.fromtimestamp(case["start"], tz=timezone.utc)
            iterator = croniter(case["expression"], start)
            results.append([int(iterator.get_next(datetime).timestamp()) for _ in range(case["count"])])
        except Exception as error:  # reported to the test, which fails on it
            results.append(f"{type(error).__name__}: {error}")
    json.dump(results, sys.stdout)


main()
