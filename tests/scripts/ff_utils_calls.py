"""Run dcicutils.ff_utils functions against a portal and print what happened, as JSON.

This runs under the *clients* virtualenv's python (dcicutils pins libraries Docket does not use), so it
imports nothing from Docket. It reads one JSON object on stdin:

    {"key": {"key": ..., "secret": ..., "server": ...},
     "calls": [{"function": "post_metadata", "args": [...], "kwargs": {...}}, ...]}

calls each ``ff_utils.<function>(*args, key=key, **kwargs)`` in order, and prints one JSON object:

    {"results": [{"result": <return value>, "seconds": t} | {"error": "<str(exception)>", "seconds": t}, ...]}

An exception is a result, not a failure: the tests assert on the text ff_utils puts in it.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> int:
    request = json.load(sys.stdin)
    # dcicutils prints diagnostics on stdout; keep the real stdout for the JSON answer alone.
    answer = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    from dcicutils import ff_utils

    results = []
    for call in request["calls"]:
        function = getattr(ff_utils, call["function"])
        started = time.perf_counter()
        try:
            value = function(*call.get("args", []), key=request["key"], **call.get("kwargs", {}))
            if not isinstance(value, (dict, list, str, int, float, bool, type(None))):
                value = list(value)  # generators from search_metadata(is_generator=True)
            results.append({"result": value, "seconds": time.perf_counter() - started})
        except Exception as exc:
            results.append({"error": str(exc), "seconds": time.perf_counter() - started})
    json.dump({"results": results}, answer)
    answer.write("\n")
    answer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
