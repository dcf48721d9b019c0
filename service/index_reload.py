"""Hot reload: a running worker switches to a newly built index without a restart and without a failed request.

`cablewise index build` writes a new version folder and switches the `CABLEWISE_INDEX_DIR` symlink to it with one
rename (index/store.py). Each worker notices the switch on its own: before a request, at most once per
`CABLEWISE_INDEX_RELOAD_INTERVAL` seconds, it resolves the symlink (one readlink, no file is read). A new target
is loaded in a background thread, from that version folder only, with every check a start-up load makes: the
manifest's checksums of every file, the model and dimension, the knowledge hash against kb/ (whose ontology is
loaded again with it), and a probe question answered. Only then is the runtime's one engine reference replaced;
requests keep being answered by the old engine until that moment, and a request that already holds the old one
finishes with it. A version that fails any check is refused with a log line naming why, and the old one is kept;
it is not tried again until the symlink moves once more.

The answer cache lives in the engine, so the new engine starts with an empty one: no answer computed from the old
index is served after the swap. The follow-up contexts' knowledge fingerprint follows a kb/ change too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import g

from index.store import current_version
from service import observability
from service.errors import CablewiseError
from service.errors import redact_paths
from service.runtime import Runtime
from service.runtime import build_engine
from service.runtime import index_version_of
from service.runtime import load_model

log = logging.getLogger("cablewise.reload")

EXTENSION = "cablewise.index_reload"
THREAD_NAME = "cablewise-index-reload"


class IndexReloader:
    """Watches one index symlink for a runtime and swaps in the version it comes to point at."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        interval: float,
        on_swap: Callable[[Any], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._runtime = runtime
        self._pointer = Path(runtime.settings.index_dir)
        self._interval = interval
        self._on_swap = on_swap
        self._clock = clock
        self._next_check = 0.0
        self._check_lock = threading.Lock()
        self._loading: threading.Thread | None = None
        # What start-up loaded (or failed to): only a move away from it is news.
        self._seen = self._target()

    def poll(self) -> threading.Thread | None:
        """Cheap check, run before every request; start a background load when the symlink moved.

        Returns the loading thread when this call started one (tests join it), else None.
        """
        now = self._clock()
        if now < self._next_check or not self._check_lock.acquire(blocking=False):
            return None
        try:
            self._next_check = now + self._interval
            if self._loading is not None and self._loading.is_alive():
                return None  # one load at a time; a later check picks up any further switch
            target = self._target()
            if target == self._seen:
                return None
            self._seen = target
            self._loading = threading.Thread(target=self.load, args=(target,), name=THREAD_NAME, daemon=True)
            self._loading.start()
            return self._loading
        finally:
            self._check_lock.release()

    def load(self, target: Path) -> bool:
        """Load and check the index version at `target`, then swap it in; return whether it was swapped in.

        Never raises: a refused version is logged and counted, and the engine being served stays.
        """
        runtime = self._runtime
        serving = index_version_of(runtime.engine) or "nothing (not ready)"
        started = time.perf_counter()
        log.info(
            "index reload: %s now points at %s; loading it in the background, still serving %s",
            self._pointer,
            target.name,
            serving,
        )
        try:
            if runtime.embedder is None:
                runtime.embedder = load_model(runtime.settings)
            engine = build_engine(runtime.settings, runtime.embedder, index_dir=target)
            runtime.become_ready(engine)  # answers the probe question first, then swaps the one reference
        # Any failure keeps the old engine: a reload must never take the service down.
        except Exception as exc:
            detail = exc.detail if isinstance(exc, CablewiseError) else f"{type(exc).__name__}: {exc}"
            observability.INDEX_RELOADS.labels("refused").inc()
            log.error(
                "index reload refused version %s: %s; still serving %s",
                target.name,
                detail,
                serving,
                exc_info=not isinstance(exc, CablewiseError),
            )
            if runtime.engine is None:
                runtime.not_ready_reason = redact_paths(detail)
            return False
        observability.INDEX_RELOADS.labels("swapped").inc()
        log.info(
            "index reload: now serving version %s (was %s), loaded and checked in %.2f s",
            index_version_of(runtime.engine),
            serving,
            time.perf_counter() - started,
        )
        if self._on_swap is not None:
            self._on_swap(runtime.engine)
        return True

    def _target(self) -> Path:
        return current_version(self._pointer)


def install(
    app: Any, runtime: Runtime, *, on_swap: Callable[[Any], None] | None = None
) -> IndexReloader | None:
    """Check for a new index before requests (at most once per interval); off when the interval is 0."""
    interval = runtime.settings.index_reload_interval
    if interval <= 0:
        log.info("index hot reload off (CABLEWISE_INDEX_RELOAD_INTERVAL=0): a new index needs a restart")
        return None
    reloader = IndexReloader(runtime, interval=interval, on_swap=on_swap)
    app.extensions[EXTENSION] = reloader

    @app.before_request
    def check_for_new_index() -> None:  # returns None: a before_request value would become the response
        reloader.poll()

    @app.after_request
    def name_the_index(response):
        # Set by the question endpoint from the engine it answered with: during a reload, answers switch.
        if version := getattr(g, "index_version", ""):
            response.headers["X-Index-Version"] = version
        return response

    return reloader


def of(app: Any) -> IndexReloader | None:
    """The reloader `install` gave the app, if hot reload is on."""
    return app.extensions.get(EXTENSION)
