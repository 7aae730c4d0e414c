"""Which model server to talk to, read from `AQE_LLM_*` and checked before a run starts.

    settings = LLMSettings.from_environment(os.environ)     # ConfigurationError says what to fix
    settings.online                                          # False: no key, no server: offline
    settings.imodel_kwargs("llama3.1")                       # what `lionagi.iModel(**...)` gets

Variables: AQE_LLM_PROVIDER (default openai), AQE_LLM_MODEL, AQE_LLM_BASE_URL,
AQE_LLM_API_KEY. OpenAI-compatible servers (`ollama`, `vllm`, `lmstudio`,
`openai-compatible`, or `openai` with a base URL) go through LionAGI's OpenAI
client: no extra package is needed. Their base URL is normalised
(`http://host:11434`, `.../v1`, `.../v1/` and `.../v1/chat/completions` all
mean `http://host:11434/v1`). A server named by a base URL needs a model name
and gets an API key only from AQE_LLM_API_KEY, never the provider's own
variable (OPENAI_API_KEY stays with OpenAI).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from lionagi_qe.errors import ConfigurationError

DEFAULT_PROVIDER = "openai"
LOCAL_SERVERS = {
    "ollama": "http://localhost:11434/v1",
    "vllm": "http://localhost:8000/v1",
    "lmstudio": "http://localhost:1234/v1",
}
"""OpenAI-compatible servers usually run on this machine, with their default address."""
OPENAI_COMPATIBLE = frozenset({"openai", "openai-compatible", *LOCAL_SERVERS})
_CHAT_PATH = "/chat/completions"
EXAMPLE = "AQE_LLM_PROVIDER=ollama AQE_LLM_MODEL=llama3.1 (server at http://localhost:11434)"


def normalise_base_url(raw: str) -> str:
    """The API root of an OpenAI-compatible server: scheme, host, port and path ending in /v1 if none given."""
    text = raw.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"AQE_LLM_BASE_URL={_shown(text)!r} is not an http(s) URL; "
            "give the server's address, e.g. http://localhost:11434 or http://localhost:8000/v1"
        )
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError as exc:
        raise ConfigurationError(f"AQE_LLM_BASE_URL={_shown(text)!r} has a bad port ({exc})") from None
    path = parts.path.rstrip("/")
    if path.endswith(_CHAT_PATH):
        path = path[: -len(_CHAT_PATH)]
    return urlunsplit((parts.scheme, parts.netloc, path or "/v1", parts.query, ""))


def _shown(url: str) -> str:
    """`url` without a password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass(frozen=True)
class LLMSettings:
    """A checked model configuration; `online` is False when there is nothing to call."""

    provider: str = DEFAULT_PROVIDER
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    model: str | None = None
    """The one model name the user gave (AQE_LLM_MODEL or --model), if any."""

    @classmethod
    def from_environment(
        cls,
        env: Mapping[str, str],
        *,
        provider: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        model: str | None = None,
    ) -> LLMSettings:
        """Read AQE_LLM_* (arguments win over the environment); raises `ConfigurationError` with the fix."""
        name = (provider or env.get("AQE_LLM_PROVIDER") or DEFAULT_PROVIDER).strip().lower()
        if name.replace("_", "-") in OPENAI_COMPATIBLE:
            name = name.replace("_", "-")
        given_url = base_url or env.get("AQE_LLM_BASE_URL") or None
        model = (model or env.get("AQE_LLM_MODEL") or "").strip() or None
        own_key = api_key or env.get("AQE_LLM_API_KEY") or None
        if given_url is None and name in LOCAL_SERVERS:
            given_url = LOCAL_SERVERS[name]
        if given_url is None and name == "openai-compatible":
            raise ConfigurationError(
                "AQE_LLM_PROVIDER=openai-compatible needs the server's address: set AQE_LLM_BASE_URL, "
                "e.g. http://localhost:8000/v1"
            )
        if given_url is None:
            provider_key = env.get(f"{name.upper()}_API_KEY") or None
            return cls(name, None, own_key or provider_key, model)
        url = normalise_base_url(given_url) if name in OPENAI_COMPATIBLE else given_url.strip().rstrip("/")
        if model is None:
            raise ConfigurationError(
                f"the model server at {_shown(url)} needs a model name: set AQE_LLM_MODEL (or pass --model) "
                f"to a model it serves, e.g. {EXAMPLE}"
            )
        return cls(name, url, own_key, model)

    @property
    def online(self) -> bool:
        """True when there is a model to call: an API key or a server address."""
        return bool(self.api_key or self.base_url)

    @property
    def openai_compatible(self) -> bool:
        """True when LionAGI's OpenAI client talks to the server."""
        return self.provider in OPENAI_COMPATIBLE

    def describe(self) -> str:
        """'ollama at http://localhost:11434/v1' or 'openai', for messages (no secrets)."""
        return f"{self.provider} at {_shown(self.base_url)}" if self.base_url else self.provider

    def imodel_kwargs(self, model: str) -> dict[str, Any]:
        """Arguments for `lionagi.iModel` calling `model` with these settings."""
        provider = "openai" if self.openai_compatible else self.provider
        kwargs: dict[str, Any] = {"provider": provider, "model": model}
        if self.base_url:
            # a server the user named, often on this machine: let LionAGI reach it, do not fetch a
            # tokenizer for a model name it may not know, and send a key only if one was given for it
            kwargs.update(base_url=self.base_url, allow_local_network=True, requires_tokens=False)
            if not self.api_key:
                kwargs["auth_type"] = "none"
        if self.api_key:
            kwargs["api_key"] = self.api_key
        return kwargs
