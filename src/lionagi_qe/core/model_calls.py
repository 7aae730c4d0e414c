"""Calls to one model for one run: a timeout per reply, a total budget, and a circuit breaker.

    async with ModelCalls(model, system="You write pytest tests.", timeout=60, budget=60) as calls:
        chat = calls.conversation()              # a LionAGI Branch of its own: follow-ups keep the history
        try:
            reply = await chat.ask("Write tests for ...")
        except ModelCallError as exc:            # timeout, connection, budget spent, endpoint stopped
            print(exc)
        calls.summary()                          # {'requests': 1, 'retries': 0, 'stopped': None, ...}

A dead endpoint costs about one timeout in total. A failure that says the
endpoint is unwell (a timeout, a connection error, HTTP 5xx or 429 after
LionAGI's own retries) makes new requests wait for those in flight; the
endpoint is then given up if it has not answered once in this run, or after
`stop_after` such failures in a row: no more requests are made, and every
later `ask` fails at once saying so. Each HTTP attempt is counted through
httpx event hooks on the model's client, so the retries LionAGI makes inside
one request (connection refused, 5xx, 429) show in `summary()`.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from types import TracebackType
from typing import TYPE_CHECKING, Any

from lionagi_qe.errors import ModelCallError

if TYPE_CHECKING:
    from lionagi import Branch, iModel

STOP_AFTER_FAILURES = 2
"""Failures in a row after which an endpoint that did answer before is not asked again."""
_CHAIN_DEPTH = 8
_UNWELL = {"timeouts": "a timeout", "connection_errors": "a connection error", "server_errors": "a server error"}
"""Failures that say the endpoint is unwell (they may stop the asking), as a phrase."""


class ModelCalls:
    """Guarded calls to `model` for one run; use as an async context manager (it counts HTTP attempts)."""

    def __init__(
        self,
        model: iModel,
        *,
        system: str,
        timeout: float,
        budget: float,
        stop_after: int = STOP_AFTER_FAILURES,
    ) -> None:
        self.model = model
        self.system = system
        self.timeout = timeout
        self.budget = budget
        self.stop_after = stop_after
        self.started = time.monotonic()
        self.stopped: str | None = None
        self.counts: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self._failures_in_a_row = 0
        self._in_flight = 0
        self._settled = asyncio.Condition()
        self._hooks = {"request": self._on_request, "response": self._on_response}

    async def __aenter__(self) -> ModelCalls:
        hooks = _client_hooks(self.model)
        if hooks is not None:
            for name, hook in self._hooks.items():
                hooks.setdefault(name, []).append(hook)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        hooks = _client_hooks(self.model)
        if hooks is None:
            return
        for name, hook in self._hooks.items():
            registered = hooks.get(name, [])
            if hook in registered:
                registered.remove(hook)
            if not registered:
                hooks.pop(name, None)

    async def _on_request(self, request: Any) -> None:
        self.counts["http_attempts"] += 1

    async def _on_response(self, response: Any) -> None:
        self.statuses[int(response.status_code)] += 1

    def conversation(self) -> Conversation:
        """A new conversation with the model (its own history)."""
        return Conversation(self)

    def remaining(self) -> float:
        """Seconds of the budget left."""
        return self.budget - (time.monotonic() - self.started)

    async def _admit(self) -> float:
        """Wait while the endpoint is suspect and requests are in flight; the seconds the next reply may take."""
        async with self._settled:
            while self._failures_in_a_row and self._in_flight and not self.stopped and self.remaining() > 0:
                try:
                    await asyncio.wait_for(self._settled.wait(), self.remaining())
                except asyncio.TimeoutError:
                    break
            if self.stopped:
                raise ModelCallError(self.stopped)
            left = self.remaining()
            if left <= 0:
                raise ModelCallError(f"not asked: the generation budget of {self.budget:g}s was spent")
            self._in_flight += 1
            self.counts["requests"] += 1
            return min(self.timeout, left)

    async def _settle(self, outcome: str) -> None:
        """Record the end of a request: 'answered', a kind of `failure_kind`, or 'budget_spent'."""
        async with self._settled:
            self._in_flight -= 1
            self.counts[outcome] += 1
            if outcome == "answered":
                self._failures_in_a_row = 0
            elif outcome in _UNWELL:
                self._failures_in_a_row += 1
                self._maybe_stop(outcome)
            self._settled.notify_all()

    def _maybe_stop(self, outcome: str) -> None:
        never_answered = not self.counts["answered"]
        if self.stopped or not (never_answered or self._failures_in_a_row >= self.stop_after):
            return
        what = _UNWELL[outcome] if self._failures_in_a_row == 1 else f"{self._failures_in_a_row} failures in a row"
        since = " and it has not answered once in this run" if never_answered else ""
        hint = f" (a slow model needs a longer --llm-timeout than {self.timeout:g}s)" if outcome == "timeouts" else ""
        self.stopped = (
            f"not asked: the model endpoint gave {what}{since}, so the run stopped asking it and went on "
            f"offline{hint}"
        )

    def summary(self) -> dict[str, Any]:
        """Requests, answers, failures by kind, LionAGI's retries, HTTP statuses, and why asking stopped."""
        requests = self.counts["requests"]
        return {
            "requests": requests,
            "answered": self.counts["answered"],
            "timeouts": self.counts["timeouts"],
            "connection_errors": self.counts["connection_errors"],
            "server_errors": self.counts["server_errors"],
            "other_errors": self.counts["other_errors"],
            "budget_spent": self.counts["budget_spent"],
            "http_attempts": self.counts["http_attempts"],
            "retries": max(0, self.counts["http_attempts"] - requests),
            "http_statuses": {str(code): n for code, n in sorted(self.statuses.items())},
            "stopped": self.stopped,
            "seconds": round(time.monotonic() - self.started, 3),
        }

    def retry_note(self) -> str | None:
        """A sentence on LionAGI's retries, when it made any."""
        summary = self.summary()
        if not summary["retries"]:
            return None
        failed = {code: n for code, n in self.statuses.items() if code != 200}
        why = ", ".join(f"HTTP {code} x{n}" for code, n in sorted(failed.items()))
        refused = summary["http_attempts"] - sum(self.statuses.values())
        if refused > 0:
            why = ", ".join(filter(None, [why, f"no response x{refused}"]))
        return f"LionAGI retried {summary['retries']} model request(s) ({why or 'no failure recorded'})"


class Conversation:
    """One conversation (a LionAGI Branch); `ask` sends a message and returns the reply text."""

    def __init__(self, calls: ModelCalls) -> None:
        self.calls = calls
        self._branch: Branch | None = None

    @property
    def branch(self) -> Branch:
        """The LionAGI Branch holding this conversation (made on first use)."""
        if self._branch is None:
            from lionagi import Branch

            self._branch = Branch(
                chat_model=self.calls.model, system=self.calls.system, log_config={"auto_save_on_exit": False}
            )
        return self._branch

    async def ask(self, message: str) -> str:
        """The model's reply to `message` (after the earlier ones); `ModelCallError` says why there is none."""
        calls = self.calls
        wait = await calls._admit()
        try:
            reply = await asyncio.wait_for(self.branch.communicate(message), wait)
        except asyncio.TimeoutError:
            if wait < calls.timeout:
                await calls._settle("budget_spent")
                raise ModelCallError(
                    f"the generation budget of {calls.budget:g}s ran out while waiting for the model"
                ) from None
            await calls._settle("timeouts")
            raise ModelCallError(f"model did not answer within {calls.timeout:g}s") from None
        except Exception as exc:  # every failure of the call is reported, none crashes the run
            await calls._settle(failure_kind(exc))
            raise ModelCallError(f"model call failed: {describe_failure(exc)}") from exc
        except BaseException:
            await calls._settle("other_errors")
            raise
        await calls._settle("answered")
        return reply if isinstance(reply, str) else str(reply)


def _client_hooks(model: Any) -> dict[str, list[Any]] | None:
    """The httpx event hooks of the model's HTTP client (None for a model without one)."""
    config = getattr(getattr(model, "endpoint", None), "config", None)
    client_kwargs = getattr(config, "client_kwargs", None)
    if not isinstance(client_kwargs, dict):
        return None
    hooks = client_kwargs.setdefault("event_hooks", {})
    return hooks if isinstance(hooks, dict) else None


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < _CHAIN_DEPTH:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def failure_kind(exc: BaseException) -> str:
    """'timeouts', 'connection_errors' or 'server_errors' (which may stop the asking), else 'other_errors'."""
    import httpx

    chain = _chain(exc)
    for link in chain:
        if isinstance(link, (httpx.TimeoutException, TimeoutError, asyncio.TimeoutError)):
            return "timeouts"
        if isinstance(link, (httpx.TransportError, ConnectionError)):
            return "connection_errors"
    from lionagi.service.resilience import APIClientError

    for link in chain:
        status = link.status_code if isinstance(link, APIClientError) else None
        if isinstance(status, int) and (status == 429 or status >= 500):
            return "server_errors"
    return "other_errors"


def describe_failure(exc: BaseException) -> str:
    """The deepest useful message of an exception chain, one line."""
    deepest = _chain(exc)[-1]
    text = str(deepest).splitlines()[0] if str(deepest) else ""
    return f"{type(deepest).__name__}: {text}"[:300]
