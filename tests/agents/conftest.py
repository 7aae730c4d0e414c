"""The fleet's target projects run without autoloading the installed pytest plugins (see fleet_helpers)."""

from fleet_helpers import targets_without_plugin_autoload

__all__ = ["targets_without_plugin_autoload"]
