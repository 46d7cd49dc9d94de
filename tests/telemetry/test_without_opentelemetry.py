"""Without OpenTelemetry, nothing is imported and nothing changes.

In a fresh interpreter: importing the SDK never imports OpenTelemetry (even when it is
installed, as here: only a client's first call looks for it); and with OpenTelemetry made
unimportable, as without the ``otel`` extra, a client works as before and the failed
import is tried once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from composio_router.testing import Emulator

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_importing_the_sdk_imports_no_opentelemetry() -> None:
    out = _run(
        """
        import json, sys
        import composio_router
        from composio_router import AsyncComposio, Composio
        AsyncComposio(api_key="k-12345678", base_url="http://127.0.0.1:9")
        print(json.dumps({"loaded": sorted(m for m in sys.modules if m.startswith("opentelemetry"))}))
        """
    )
    assert out["loaded"] == []


def test_a_client_works_unchanged_without_opentelemetry(emulator_thread: Emulator, api_key: str) -> None:
    out = _run(
        f"""
        import builtins, json, sys
        sys.modules["opentelemetry"] = None  # as if it were not installed
        attempts = []
        real_import = builtins.__import__

        def counting(name, *args, **kwargs):
            if name.startswith("opentelemetry"):
                attempts.append(name)
            return real_import(name, *args, **kwargs)

        builtins.__import__ = counting
        from composio_router import Composio

        with Composio(api_key={api_key!r}, base_url={emulator_thread.url!r}) as client:
            session = client.create(user_id="user-1")
            results = [session.execute("UTILS_ECHO", {{"n": i}}).successful for i in range(3)]
            batch = session.multi_execute([("UTILS_ECHO", {{}})] * 3)
        print(json.dumps({{"results": results, "batch": batch.success_count, "attempts": attempts,
                           "loaded": sorted(m for m in sys.modules if m.startswith("opentelemetry.")) }}))
        """
    )
    assert out["results"] == [True, True, True] and out["batch"] == 3
    assert out["attempts"] == ["opentelemetry"]  # looked for once, on the first call
    assert out["loaded"] == []
    assert "traceparent" not in emulator_thread.journal[-1].headers
