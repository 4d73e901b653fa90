"""An ingesting process of the concurrent stress test: `python -m tests.sla.stress_ingest
ACCOUNT_ID BATCHES.json` pushes each batch through events_ingest (the API's write path,
including the debounced incidents refresh it sends to the worker), as an agent would."""

import json
import os
import sys
import time


def main(account_id: int, path: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "slaportal.settings")
    import django

    django.setup()
    from accounts.models import Account
    from sla.services.ingest import events_ingest

    account = Account.objects.get(pk=account_id)
    with open(path) as batches_file:
        batches = json.load(batches_file)
    for batch in batches:
        result = events_ingest(account=account, items=batch)
        if result.rejected:
            raise SystemExit(f"rejected: {result.as_dict()}")
        # Paced as agents are, so that the jobs run many times while ingest goes on (the
        # test checks they did) however fast this machine is.
        time.sleep(0.1)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
