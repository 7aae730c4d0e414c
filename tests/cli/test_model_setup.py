"""`aqe run` with a model: set-up problems are exit 2 with a message, a local server works end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers.fleet import CHAT_PATH, OpenAIStub, copy_sample
from lionagi_qe.cli.main import app

LLM_VARIABLES = ("AQE_LLM_API_KEY", "OPENAI_API_KEY", "AQE_LLM_BASE_URL", "AQE_LLM_MODEL", "AQE_LLM_PROVIDER")
GOOD = """```python
import pytest

from shopkit.pricing import bulk_price


def test_bulk_price_discounts():
    assert bulk_price(1.0, 100) == 90.0


def test_bulk_price_rejects_zero():
    with pytest.raises(ValueError):
        bulk_price(1.0, 0)
```"""


@pytest.fixture
def no_model(clean_env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in LLM_VARIABLES:
        clean_env.delenv(name, raising=False)
    return clean_env


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"AQE_LLM_PROVIDER": "ollama"}, "needs a model name: set AQE_LLM_MODEL"),
        ({"AQE_LLM_BASE_URL": "http://127.0.0.1:9/v1"}, "needs a model name: set AQE_LLM_MODEL"),
        ({"AQE_LLM_BASE_URL": "localhost:11434", "AQE_LLM_MODEL": "m"}, "is not an http(s) URL"),
        ({"AQE_LLM_PROVIDER": "nosuch", "AQE_LLM_API_KEY": "k"}, "cannot be set up"),
    ],
)
def test_a_provider_problem_is_exit_2_before_the_run(
    no_model: pytest.MonkeyPatch, tmp_path: Path, variables: dict[str, str], expected: str
) -> None:
    for name, value in variables.items():
        no_model.setenv(name, value)
    root = copy_sample(tmp_path)
    result = CliRunner().invoke(app, ["run", str(root), "--json"])
    assert result.exit_code == 2
    assert expected in result.stderr and "Traceback" not in result.stderr
    document = json.loads(result.stdout)  # --json: the error as an aqe.run/1 document, nothing else
    assert document["status"] == "error" and expected in document["error"]["message"]
    assert document["tests"] is None and not (root / ".aqe").exists()  # stopped before the run


def test_ollama_through_a_local_server_end_to_end(tmp_path: Path) -> None:
    """A real `aqe` process: the server is reached at /v1 from a bare address, gets no OpenAI key, stderr is quiet."""
    root = copy_sample(tmp_path)
    with OpenAIStub(lambda body: GOOD) as server:
        env = {k: v for k, v in os.environ.items() if k not in LLM_VARIABLES and not k.startswith("AQE_STORAGE")}
        env.update(
            AQE_LLM_PROVIDER="ollama", AQE_LLM_MODEL="llama3.1", AQE_LLM_BASE_URL=server.address + "/",
            OPENAI_API_KEY="sk-must-not-leak", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        )
        aqe = [sys.executable, "-c", "from lionagi_qe.cli.main import app; app()"]
        done = subprocess.run(
            [*aqe, "run", str(root), "--json", "--max-gaps", "1"], env=env, capture_output=True, text=True,
            timeout=600, check=False,
        )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["model"] == "llama3.1"
    assert server.paths == [CHAT_PATH] and server.requests[0]["model"] == "llama3.1"
    assert "authorization" not in server.headers[0]
    generation = report["generation"]
    assert generation["model_calls"]["answered"] == 1 and generation["fallbacks"] == []
    assert [k["origin"] for k in generation["kept"]] == ["llm"]
    assert "INFO:httpx" not in done.stderr and "Traceback" not in done.stderr
