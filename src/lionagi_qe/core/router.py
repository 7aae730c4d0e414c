"""`ModelRouter`: pick a LionAGI model per task complexity.

    router = ModelRouter()                                   # provider/models from the environment
    router.analyze_complexity("test-generation", {"functions": 40})   # TaskComplexity.COMPLEX
    model = router.get_model("test-generation")              # an iModel, or None offline

Environment (`lionagi_qe.core.llm_settings`): AQE_LLM_PROVIDER (default
openai; ollama, vllm, lmstudio and openai-compatible are OpenAI-compatible
servers), AQE_LLM_MODEL (one model for every complexity), AQE_LLM_BASE_URL
(the server's address, normalised), AQE_LLM_API_KEY (else the provider's own
variable, e.g. OPENAI_API_KEY, but never for a server named by a base URL).
With no key and no server the router is offline: `get_model` returns None
and agents use their deterministic engines. A configuration that cannot
work raises `ConfigurationError` from `get_model` (or `check`), saying what
to set; `aqe run` calls it before the run starts.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any

from lionagi_qe.core.llm_settings import LLMSettings
from lionagi_qe.errors import ConfigurationError

if TYPE_CHECKING:
    from lionagi import iModel


class TaskComplexity(str, Enum):
    """How demanding a task is; decides the model tier."""

    SIMPLE = "simple"
    MODERATE = "moderate"
    COMPLEX = "complex"


DEFAULT_MODELS = {
    TaskComplexity.SIMPLE: "gpt-4o-mini",
    TaskComplexity.MODERATE: "gpt-4o-mini",
    TaskComplexity.COMPLEX: "gpt-4o",
}
_COMPLEX_TASKS = ("test-generation", "test-generator", "security", "flaky")
_SIMPLE_TASKS = ("quality-gate", "test-executor", "report")
_CHATTY_LOGGERS = ("httpx", "httpcore")
"""Loggers that print a line per HTTP request once LionAGI has configured logging at INFO."""


class ModelRouter:
    """Choose a model name per complexity and build (and cache) its `iModel`."""

    def __init__(
        self,
        provider: str | None = None,
        models: Mapping[TaskComplexity | str, str] | None = None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if env is None else env
        self.provider = (provider or env.get("AQE_LLM_PROVIDER") or "openai").strip().lower()
        single = env.get("AQE_LLM_MODEL")
        chosen = dict.fromkeys(TaskComplexity, single) if single else dict(DEFAULT_MODELS)
        for level, name in (models or {}).items():
            chosen[TaskComplexity(level)] = name
        self.models: dict[TaskComplexity, str] = chosen
        self._env = env
        self._given = {
            "provider": provider, "base_url": base_url, "api_key": api_key,
            "model": single or next(iter((models or {}).values()), None),
        }
        self._settings: LLMSettings | None = None
        self.base_url = base_url or env.get("AQE_LLM_BASE_URL")
        self._cache: dict[str, iModel] = {}

    @property
    def settings(self) -> LLMSettings:
        """The checked configuration (read on first use; `ConfigurationError` if it cannot work)."""
        if self._settings is None:
            self._settings = LLMSettings.from_environment(self._env, **self._given)
            self.base_url = self._settings.base_url
        return self._settings

    def check(self) -> LLMSettings:
        """Check the configuration and build the test generator's model now, so a problem stops a run early."""
        self.get_model("test-generation")
        return self.settings

    @property
    def online(self) -> bool:
        """True when a model can be called (an API key, a base URL or a local server is configured)."""
        return self.settings.online

    def analyze_complexity(self, task_type: str, context: Mapping[str, Any] | None = None) -> TaskComplexity:
        """Rate a task: generation and security work is complex, gates and runs simple."""
        size = int((context or {}).get("functions", 0) or 0)
        if any(word in task_type for word in _COMPLEX_TASKS) or size > 25:
            return TaskComplexity.COMPLEX
        if any(word in task_type for word in _SIMPLE_TASKS):
            return TaskComplexity.SIMPLE
        return TaskComplexity.MODERATE

    def select_model(self, task_type: str, context: Mapping[str, Any] | None = None) -> str:
        """The model name for a task."""
        return self.models[self.analyze_complexity(task_type, context)]

    def get_model(self, task_type: str, context: Mapping[str, Any] | None = None) -> iModel | None:
        """The `iModel` for a task, or None when offline (no key, no base URL)."""
        if not self.online:
            return None
        name = self.select_model(task_type, context)
        if name not in self._cache:
            self._cache[name] = self._build(name)
        return self._cache[name]

    def _build(self, name: str) -> iModel:
        settings = self.settings
        try:
            from lionagi import iModel

            model = iModel(**settings.imodel_kwargs(name))
        except Exception as exc:  # LionAGI's provider set-up raises many kinds; each is a configuration problem
            detail = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
            raise ConfigurationError(
                f"the model {name!r} of provider {settings.describe()} cannot be set up: {detail}. "
                "Check AQE_LLM_PROVIDER and AQE_LLM_MODEL; for a local OpenAI-compatible server use "
                "AQE_LLM_PROVIDER=ollama (or vllm, lmstudio, openai-compatible) and AQE_LLM_BASE_URL"
            ) from None
        for logger in _CHATTY_LOGGERS:
            logging.getLogger(logger).setLevel(logging.WARNING)
        return model

    def __repr__(self) -> str:
        try:
            state = f"online ({self.settings.describe()})" if self.online else "offline"
        except ConfigurationError:
            state = "misconfigured"
        return f"<ModelRouter provider={self.provider!r} {state} models={list(self.models.values())}>"
