"""`ModelRouter`: pick a LionAGI model per task complexity.

    router = ModelRouter()                                   # provider/models from the environment
    router.analyze_complexity("test-generation", {"functions": 40})   # TaskComplexity.COMPLEX
    model = router.get_model("test-generation")              # an iModel, or None offline

Environment: AQE_LLM_PROVIDER (default openai), AQE_LLM_MODEL (one model for
every complexity), AQE_LLM_BASE_URL (an OpenAI-compatible server),
AQE_LLM_API_KEY (else the provider's own variable, e.g. OPENAI_API_KEY).
With no key and no base URL the router is offline: `get_model` returns None
and agents use their deterministic engines.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any

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
        self.provider = provider or env.get("AQE_LLM_PROVIDER") or "openai"
        single = env.get("AQE_LLM_MODEL")
        chosen = dict.fromkeys(TaskComplexity, single) if single else dict(DEFAULT_MODELS)
        for level, name in (models or {}).items():
            chosen[TaskComplexity(level)] = name
        self.models: dict[TaskComplexity, str] = chosen
        self.base_url = base_url or env.get("AQE_LLM_BASE_URL")
        self._api_key = api_key or env.get("AQE_LLM_API_KEY") or env.get(f"{self.provider.upper()}_API_KEY")
        self._cache: dict[str, iModel] = {}

    @property
    def online(self) -> bool:
        """True when a model can be called (an API key or a base URL is configured)."""
        return bool(self._api_key or self.base_url)

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
            from lionagi import iModel

            kwargs: dict[str, Any] = {"provider": self.provider, "model": name}
            if self.base_url:
                # a server the user named, often on this machine: let LionAGI reach it,
                # and do not fetch a tokenizer for a model name it may not know
                kwargs.update(base_url=self.base_url, allow_local_network=True, requires_tokens=False)
            if self._api_key:
                kwargs["api_key"] = self._api_key
            self._cache[name] = iModel(**kwargs)
        return self._cache[name]

    def __repr__(self) -> str:
        state = "online" if self.online else "offline"
        return f"<ModelRouter provider={self.provider!r} {state} models={list(self.models.values())}>"
