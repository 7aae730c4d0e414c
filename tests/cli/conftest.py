"""The fleet's target projects run without autoloading the installed pytest plugins (see helpers/fleet.py)."""

from helpers.fleet import targets_without_plugin_autoload

__all__ = ["targets_without_plugin_autoload"]
