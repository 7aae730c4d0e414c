"""Model provider set-up and guarded calls, through LionAGI's real client against a local server.

Every provider problem is a `ConfigurationError` saying what to set; base
URLs of OpenAI-compatible servers are normalised; a server named by a base
URL never receives OPENAI_API_KEY; a dead endpoint is given up after its
first failures.
"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import pytest

from helpers.fleet import CHAT_PATH, OpenAIStub
from lionagi_qe.core.llm_settings import LLMSettings, normalise_base_url
from lionagi_qe.core.model_calls import ModelCalls
from lionagi_qe.core.router import ModelRouter
from lionagi_qe.errors import ConfigurationError, ModelCallError


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ("http://host:11434", "http://host:11434/v1"),
        ("http://host:11434/", "http://host:11434/v1"),
        ("http://host:11434/v1", "http://host:11434/v1"),
        (" http://host:11434/v1/ ", "http://host:11434/v1"),
        ("http://host:11434/v1/chat/completions", "http://host:11434/v1"),
        ("https://gateway.example/openai/v1/", "https://gateway.example/openai/v1"),
    ],
)
def test_base_urls_are_normalised(given: str, normalised: str) -> None:
    assert normalise_base_url(given) == normalised


@pytest.mark.parametrize("bad", ["localhost:11434", "ftp://host/v1", "http://", "http://host:99999/v1"])
def test_a_bad_base_url_says_what_to_give(bad: str) -> None:
    with pytest.raises(ConfigurationError, match="AQE_LLM_BASE_URL"):
        normalise_base_url(bad)


def test_a_password_in_a_base_url_is_not_repeated() -> None:
    with pytest.raises(ConfigurationError) as caught:
        LLMSettings.from_environment({"AQE_LLM_BASE_URL": "http://me:s3cret@host:8000"})
    assert "s3cret" not in str(caught.value) and "me:***@host:8000" in str(caught.value)


def test_ollama_needs_a_model_name_and_defaults_to_its_local_address() -> None:
    with pytest.raises(ConfigurationError, match="set AQE_LLM_MODEL"):
        LLMSettings.from_environment({"AQE_LLM_PROVIDER": "ollama"})
    settings = LLMSettings.from_environment({"AQE_LLM_PROVIDER": "Ollama", "AQE_LLM_MODEL": "llama3.1"})
    assert (settings.provider, settings.base_url, settings.online) == ("ollama", "http://localhost:11434/v1", True)
    assert settings.imodel_kwargs("llama3.1")["provider"] == "openai"  # LionAGI's OpenAI client, no extra package


def test_a_server_named_by_url_gets_only_its_own_key() -> None:
    env = {"AQE_LLM_BASE_URL": "http://127.0.0.1:8000", "AQE_LLM_MODEL": "m", "OPENAI_API_KEY": "sk-openai"}
    settings = LLMSettings.from_environment(env)
    assert settings.api_key is None and settings.imodel_kwargs("m")["auth_type"] == "none"
    settings = LLMSettings.from_environment({**env, "AQE_LLM_API_KEY": "local-key"})
    assert settings.api_key == "local-key" and "auth_type" not in settings.imodel_kwargs("m")
    assert LLMSettings.from_environment({"OPENAI_API_KEY": "sk-openai"}).api_key == "sk-openai"


def test_openai_compatible_needs_an_address() -> None:
    with pytest.raises(ConfigurationError, match="set AQE_LLM_BASE_URL"):
        LLMSettings.from_environment({"AQE_LLM_PROVIDER": "openai_compatible", "AQE_LLM_MODEL": "m"})


def test_a_provider_lionagi_cannot_set_up_is_a_configuration_error() -> None:
    router = ModelRouter(env={"AQE_LLM_PROVIDER": "nosuch", "AQE_LLM_API_KEY": "k", "AQE_LLM_MODEL": "m"})
    with pytest.raises(ConfigurationError, match="provider nosuch cannot be set up") as caught:
        router.check()
    assert "AQE_LLM_PROVIDER" in str(caught.value) and "k" not in str(caught.value).split()


async def _ask_once(env: dict[str, str]) -> str:
    model = ModelRouter(env=env).get_model("test-generation")
    async with ModelCalls(model, system="be brief", timeout=10, budget=30) as calls:
        return await calls.conversation().ask("hi")


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/", "/v1/chat/completions"])
async def test_every_base_url_form_reaches_the_server(suffix: str) -> None:
    with OpenAIStub(lambda body: "hello") as server:
        env = {"AQE_LLM_PROVIDER": "ollama", "AQE_LLM_BASE_URL": server.address + suffix, "AQE_LLM_MODEL": "llama3.1"}
        assert await _ask_once(env) == "hello"
    assert server.paths == [CHAT_PATH]
    assert server.requests[0]["model"] == "llama3.1"


async def test_openai_api_key_is_not_sent_to_a_custom_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-leak")
    with OpenAIStub(lambda body: "hello") as server:
        env = {"AQE_LLM_BASE_URL": server.base_url, "AQE_LLM_MODEL": "m", "OPENAI_API_KEY": "sk-must-not-leak"}
        await _ask_once(env)
        await _ask_once({**env, "AQE_LLM_API_KEY": "local-key"})
    assert "authorization" not in server.headers[0]
    assert server.headers[1]["authorization"] == "Bearer local-key"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _ask_many(model: Any, gaps: int, timeout: float, concurrency: int = 4) -> tuple[ModelCalls, list[str]]:
    gate = asyncio.Semaphore(concurrency)

    async def one() -> str:
        async with gate:
            try:
                return await calls.conversation().ask("write tests")
            except ModelCallError as exc:
                return str(exc)

    async with ModelCalls(model, system="s", timeout=timeout, budget=120) as calls:
        outcomes = await asyncio.gather(*(one() for _ in range(gaps)))
    return calls, outcomes


async def test_a_refusing_server_is_given_up_after_the_first_wave() -> None:
    env = {"AQE_LLM_BASE_URL": f"http://127.0.0.1:{_closed_port()}", "AQE_LLM_MODEL": "m"}
    started = time.monotonic()
    calls, outcomes = await _ask_many(ModelRouter(env=env).get_model("test-generation"), gaps=10, timeout=30)
    summary = calls.summary()
    assert summary["requests"] == 4 and summary["connection_errors"] == 4 and summary["answered"] == 0
    assert summary["http_attempts"] > 4 and summary["retries"] == summary["http_attempts"] - 4  # LionAGI retried
    assert sum(o.startswith("model call failed: ConnectionRefusedError") for o in outcomes) == 4
    assert sum(o.startswith("not asked: the model endpoint gave a connection error") for o in outcomes) == 6
    assert "no response" in (calls.retry_note() or "")
    assert time.monotonic() - started < 30  # one request after another: ten gaps, each with LionAGI's retries


async def test_a_server_that_answered_before_gets_a_second_chance() -> None:
    answers = iter(["first", None, None, None])
    with OpenAIStub(lambda body: next(answers), hold=3.0) as server:
        model = server.model()
        async with ModelCalls(model, system="s", timeout=0.5, budget=60) as calls:
            chat = calls.conversation()
            outcomes = []
            for _ in range(4):
                try:
                    outcomes.append(await chat.ask("go"))
                except ModelCallError as exc:
                    outcomes.append(str(exc))
    assert outcomes[:3] == ["first", "model did not answer within 0.5s", "model did not answer within 0.5s"]
    assert outcomes[3].startswith("not asked: the model endpoint gave 2 failures in a row")
    assert len(server.requests) == 3 and calls.summary()["timeouts"] == 2


async def test_a_refused_request_is_reported_and_does_not_stop_the_asking() -> None:
    answers = iter([404, 503, "fine"])
    with OpenAIStub(lambda body: next(answers)) as server:
        async with ModelCalls(server.model(), system="s", timeout=20, budget=60) as calls:
            chat = calls.conversation()
            with pytest.raises(ModelCallError, match="404"):
                await chat.ask("go")
            assert await chat.ask("again") == "fine"  # the 503 is retried by LionAGI
    summary = calls.summary()
    assert (summary["other_errors"], summary["answered"], summary["stopped"]) == (1, 1, None)
    assert summary["retries"] == 1 and summary["http_statuses"] == {"200": 1, "404": 1, "503": 1}
