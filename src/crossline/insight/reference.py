"""Insight's configuration (data/insight.yaml): the disclosure policy and crime-type groups."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from crossline.core.disclosure import Policy
from crossline.core.errors import CatalogueError

CONFIG_FILE = Path(__file__).parent / "data" / "insight.yaml"


class Disclosure(BaseModel, frozen=True, extra="forbid"):
    method: str
    methods: dict[str, Policy]

    @property
    def policy(self) -> Policy:
        return self.methods[self.method]


class Group(BaseModel, frozen=True, extra="forbid"):
    label: str
    crime_types: tuple[str, ...]  # empty: every type


class InsightConfig(BaseModel, frozen=True, extra="forbid"):
    disclosure: Disclosure
    groups: dict[str, Group]


def load_config(path: Path = CONFIG_FILE) -> InsightConfig:
    try:
        config = InsightConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise CatalogueError(f"{path.name}: {exc}") from exc
    if config.disclosure.method not in config.disclosure.methods:
        raise CatalogueError(f"{path.name}: unknown disclosure method {config.disclosure.method!r}")
    return config


CONFIG = load_config()
