"""A counting SMTP server for the subscriber benchmark (aiosmtpd, its own process).

    python bench/smtp_sink.py PORT

Accepts every message on 127.0.0.1:PORT, prints "READY" once listening, and when its
standard input closes prints one JSON line {"messages": n, "recipients": n, "unique": n}
and exits.
"""

import json
import sys
import time

from aiosmtpd.controller import Controller


class Counter:
    def __init__(self):
        self.messages = 0
        self.recipients: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


def main() -> None:
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    print("READY", flush=True)
    sys.stdin.read()  # until the benchmark closes our standard input
    time.sleep(0.2)
    controller.stop()
    unique = len(set(counter.recipients))
    result = {"messages": counter.messages, "recipients": len(counter.recipients), "unique": unique}
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
