"""The ``crossline`` command."""
