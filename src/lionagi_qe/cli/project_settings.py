"""`[tool.aqe]` in the project's pyproject.toml: the defaults of `aqe run`'s options, under the options' names.

    [tool.aqe]
    coverage-threshold = 90
    max-gaps = 3
    pytest-args = "-m 'not slow'"      # or a list: ["-m", "not slow"]
    output = "tests/generated"         # paths are relative to the folder of this pyproject.toml
    storage = "production"             # used as AQE_STORAGE_MODE when the environment sets no mode

    config = read_project_config("examples/sample_project")
    settings = settle(ctx, config)      # ctx: `aqe run`'s parsed context; ctx.params now hold the effective values
    settings["coverage_threshold"]      # Setting('coverage-threshold', 90.0, '[tool.aqe] in .../pyproject.toml')

The keys come from the command itself: every long option of `aqe run`
without its dashes (`_` may stand for `-`), so an option added to the
command is a key at once. Values go through the option's own conversion
and checks. Precedence, highest first: the command line, the caller's
overrides (the MCP server's tool arguments), `[tool.aqe]`, the option's
default. An unknown key, or a value its option refuses, is a
`ConfigurationError` naming the key, where it was set, and the known keys.
The pyproject.toml read is the one at the project root (the root `aqe run`
finds for the path, see `analysis.project_root`).
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from lionagi_qe.analysis.project_root import find_project_root
from lionagi_qe.config import StorageConfig, StorageMode
from lionagi_qe.errors import ConfigurationError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

STORAGE_KEY = "storage"
"""The one key that is not an option: the storage mode (AQE_STORAGE_MODE's values)."""
PATH_OPTIONS = frozenset({"python", "venv", "output"})
"""Options whose relative paths in [tool.aqe] are taken from the pyproject.toml's folder."""
DEFAULT = "default"
COMMAND_LINE = "command line"
_ORIGIN_OF_SOURCE = {"COMMANDLINE": COMMAND_LINE, "ENVIRONMENT": "environment", "PROMPT": COMMAND_LINE}


@dataclass(frozen=True)
class Setting:
    """One effective option: its key (the long option's name), its value, and where the value came from."""

    key: str
    value: Any
    origin: str


@dataclass(frozen=True)
class ProjectConfig:
    """The `[tool.aqe]` table of a project (empty when there is none) and the file it came from."""

    root: Path
    file: Path | None = None
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        """How a setting from this table is named in `aqe config` and in messages."""
        return f"[tool.aqe] in {self.file}"


def read_project_config(path: str | Path) -> ProjectConfig:
    """The `[tool.aqe]` table of the project holding `path` (keys with `_` read as `-`)."""
    root = find_project_root(path)
    file = root / "pyproject.toml"
    if not file.is_file():
        return ProjectConfig(root)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot read {file}: {exc}; fix its TOML syntax") from None
    table = data.get("tool", {}).get("aqe")
    if table is None:
        return ProjectConfig(root)
    if not isinstance(table, dict):
        raise ConfigurationError(f"[tool.aqe] in {file} must be a table (`[tool.aqe]` followed by `key = value` lines)")
    return ProjectConfig(root, file, {str(key).replace("_", "-"): value for key, value in table.items()})


def option_keys(command: Any) -> dict[str, Any]:
    """{key: parameter} for each option of `command` with a long name (`--max-gaps` gives 'max-gaps')."""
    keys = {}
    for param in command.params:
        if param.param_type_name != "option":
            continue
        long = next((opt[2:] for opt in param.opts if opt.startswith("--")), None)
        if long:
            keys[long] = param
    return keys


def known_keys(command: Any) -> list[str]:
    """Every key `[tool.aqe]` accepts for `command`, sorted."""
    return sorted([*option_keys(command), STORAGE_KEY])


def settle(
    ctx: typer.Context,
    config: ProjectConfig,
    overrides: Mapping[str, Any] | None = None,
    overrides_origin: str = "tool arguments",
) -> dict[str, Setting]:
    """Fill in `ctx.params` where the command line said nothing; returns every option's `Setting` by name."""
    params = option_keys(ctx.command)
    given = {key.replace("_", "-"): value for key, value in (overrides or {}).items()}
    _check_keys(config.values, params, config.origin)
    _check_keys(given, params, overrides_origin)
    layers = [(given, overrides_origin, None), (config.values, config.origin, config.root)]
    settled = {}
    for key, param in params.items():
        source = ctx.get_parameter_source(param.name)
        origin = _ORIGIN_OF_SOURCE.get(source.name, DEFAULT) if source is not None else DEFAULT
        value = ctx.params.get(param.name)
        if origin == DEFAULT:
            for values, where, base in layers:
                if key in values:
                    value = _process(ctx, param, key, values[key], where, base)
                    origin = where
                    ctx.params[param.name] = value
                    break
        settled[param.name] = Setting(key, value, origin)
    return settled


def configured_storage(config: ProjectConfig, env: Mapping[str, str] | None = None) -> StorageMode | None:
    """The `storage` of `[tool.aqe]` (validated) when the environment sets no mode; else None."""
    raw = config.values.get(STORAGE_KEY)
    if raw is None:
        return None
    mode = StorageMode.parse(raw, f"storage in {config.origin}")
    _, variable = StorageConfig.detect_mode(os.environ if env is None else env)
    return None if variable else mode


def storage_setting(config: ProjectConfig, env: Mapping[str, str] | None = None) -> Setting:
    """The storage mode in effect for this project and where it came from (for `aqe config`)."""
    env = os.environ if env is None else env
    mode, variable = StorageConfig.detect_mode(env)
    if variable:
        return Setting(STORAGE_KEY, mode.value, f"environment ({variable})")
    configured = configured_storage(config, env)
    if configured is not None:
        return Setting(STORAGE_KEY, configured.value, config.origin)
    return Setting(STORAGE_KEY, mode.value, DEFAULT)


def _check_keys(values: Mapping[str, Any], params: Mapping[str, Any], where: str) -> None:
    unknown = [key for key in values if key not in params and key != STORAGE_KEY]
    if unknown:
        known = ", ".join(sorted([*params, STORAGE_KEY]))
        raise ConfigurationError(f"unknown key {unknown[0]!r} in {where}; known keys: {known}")


def _process(ctx: typer.Context, param: Any, key: str, raw: Any, where: str, base: Path | None) -> Any:
    """`raw` converted and checked by the option itself; a refused value names the key and where it was set."""
    value = raw
    if param.multiple and isinstance(value, str):
        value = [value]
    elif not param.multiple and isinstance(value, list) and all(isinstance(item, str) for item in value):
        value = shlex.join(value)
    if base is not None and param.name in PATH_OPTIONS and isinstance(value, str) and value:
        path = Path(value).expanduser()
        value = str(path if path.is_absolute() else base / path)
    try:
        return param.process_value(ctx, value)
    except Exception as exc:  # the option's own check refused the value: say which key, where
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        raise ConfigurationError(f"{key} = {raw!r} in {where} is not accepted: {message}") from None
