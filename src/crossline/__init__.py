"""Crossline: multi-agency work against county lines and serious violence.

The package is laid out as DESIGN.md's module map: ``core`` underneath
everything, one folder per domain module, and ``web`` and ``cli`` on top.
"""

__version__ = "0.1.0"
