"""Have Hypothesis's ghostwriter write fuzz tests for target functions (run by aqe).

    python aqe_call_probe.py request.json reply.json

Runs inside the target's interpreter, with its import roots on PYTHONPATH.
For each target of the request ({"id", "module", "qualname", "except"}) it
imports the module and asks `hypothesis.extra.ghostwriter.fuzz` for a test,
treating the exceptions the function raises itself as expected. Standard
library only, plus Hypothesis (and black) when they are installed: without
them each reply says so, and aqe notes it.
"""

from __future__ import annotations

import builtins
import importlib
import json
import sys
from typing import Any


def _ghostwrite(module: Any, func: Any, except_names: list[str]) -> dict[str, Any]:
    try:
        from hypothesis.extra import ghostwriter
    except ImportError as exc:
        return {"error": f"ghostwriter unavailable in this interpreter ({exc})"}
    excepts = []
    for name in except_names:
        found = getattr(module, name, None) or getattr(builtins, name, None)
        if isinstance(found, type) and issubclass(found, Exception):
            excepts.append(found)
    try:
        return {"source": ghostwriter.fuzz(func, except_=tuple(excepts))}
    except Exception as exc:  # ghostwriter refuses many signatures; that only skips this candidate
        return {"error": f"{type(exc).__name__}: {exc}"}


def main(request_path: str, reply_path: str) -> None:
    with open(request_path, encoding="utf-8") as handle:
        request = json.load(handle)
    replies = []
    for target in request["targets"]:
        reply: dict[str, Any] = {"id": target["id"]}
        try:
            module = importlib.import_module(target["module"])
            func = getattr(module, target["qualname"])
        except BaseException as exc:
            reply["error"] = f"cannot import {target['module']}.{target['qualname']}: {type(exc).__name__}: {exc}"
        else:
            reply["ghostwriter"] = _ghostwrite(module, func, target.get("except", []))
        replies.append(reply)
    with open(reply_path, "w", encoding="utf-8") as handle:
        json.dump({"targets": replies}, handle)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
