"""Helpers for the fleet's tests: throwaway target projects and a local OpenAI-compatible server.

    project = write_project(tmp_path, {"pkg/__init__.py": "", "tests/test_a.py": "def test_a(): pass"})
    sample = copy_sample(tmp_path)                    # examples/sample_project, copied
    with OpenAIStub(lambda body: "```python\\n...\\n```") as server:
        model = server.model()                        # a real LionAGI iModel pointed at it
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample_project"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def targets_without_plugin_autoload() -> Iterator[None]:
    """Target projects here use no pytest plugin: skip autoloading the installed ones (seconds per pytest process)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        yield


def copy_sample(tmp_path: Path) -> Path:
    """A private copy of examples/sample_project (without caches or earlier outputs)."""
    target = tmp_path / "sample_project"
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns(".aqe", "__pycache__", ".pytest_cache", ".coverage*"))
    return target


def write_project(root: Path, files: dict[str, str]) -> Path:
    """Create a project under `root` from {relative path: source}; adds a pyproject.toml if missing."""
    root.mkdir(parents=True, exist_ok=True)
    files = {"pyproject.toml": '[project]\nname = "target"\nversion = "0"\n', **files}
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text), encoding="utf-8")
    return root


Responder = Callable[[dict[str, Any]], "str | int | None"]
CHAT_PATH = "/v1/chat/completions"


class OpenAIStub:
    """An OpenAI-compatible chat completions server on 127.0.0.1; `respond(body)` gives the reply text.

    A responder returning None makes the server hold the request for `hold` seconds (a timeout);
    one returning an int answers with that HTTP status and an error body. Every request body is
    kept in `requests`, its path in `paths` and its headers in `headers`; only POST
    /v1/chat/completions is answered (404 elsewhere).
    """

    def __init__(self, respond: Responder, hold: float = 5.0) -> None:
        self.respond = respond
        self.hold = hold
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.headers: list[dict[str, str]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                stub.paths.append(self.path)
                stub.headers.append({name.lower(): value for name, value in self.headers.items()})
                if self.path != CHAT_PATH:
                    self._send(404, {"error": {"message": f"no route {self.path}", "code": 404}})
                    return
                stub.requests.append(body)
                text = stub.respond(body)
                if text is None:
                    time.sleep(stub.hold)
                    text = "too late"
                if isinstance(text, int):
                    self._send(text, {"error": {"message": f"stub says {text}", "code": text}})
                    return
                reply = {
                    "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": body.get("model"),
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
                self._send(200, reply)

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    @property
    def address(self) -> str:
        """'http://127.0.0.1:PORT', the server's root (no /v1)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def model(self, name: str = "stub-model") -> Any:
        """LionAGI's real iModel on this server, built by ModelRouter as `aqe` builds it."""
        from lionagi_qe.core.router import ModelRouter

        env = {"AQE_LLM_BASE_URL": self.base_url, "AQE_LLM_API_KEY": "test", "AQE_LLM_MODEL": name}
        return ModelRouter(env=env).get_model("test-generation")

    def prompts(self) -> list[str]:
        """The text of every message received, one string per request."""
        return ["\n".join(str(m.get("content")) for m in body.get("messages", [])) for body in self.requests]

    def __enter__(self) -> OpenAIStub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
