"""One deployment as its own process for the multi-server tests: the app (settings from the
environment; the test's recording handler, or with CASE_LETTERS=1 the cases' own) on PORT, with
its scheduler sending letters. `python -m tests.exchange.peer_server`; stopped by SIGTERM or
killed with -9 by a test."""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

from werkzeug.serving import make_server

from app import create_app
from app.entrypoints.scheduler import TimerScheduler
from app.kernel.config import Settings
from tests.exchange.support import RecordingHandler


def main() -> None:
    settings = Settings.from_env()
    # CASE_LETTERS=1: the runtime's own handler (letters reach cases), as in production.
    handler = None if os.environ.get("CASE_LETTERS") else RecordingHandler()
    app = create_app(settings, exchange_handler=handler)
    scheduler = TimerScheduler(app.extensions["backoffice"], poll_seconds=1.0)
    scheduler.start()
    server = make_server("127.0.0.1", int(os.environ["PORT"]), app, threaded=True)

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        scheduler.shutdown()
        sys.exit(0)

    signal.signal(signal.SIGTERM, _stop)
    server.serve_forever()


if __name__ == "__main__":
    main()
