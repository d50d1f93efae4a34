"""The portal's reference data beside its records: owners and teams, pipelines and stages,
property definitions."""

from __future__ import annotations

from .generator import DatasetSpec
from .owners import OwnerDirectory
from .pipelines import PipelineBook
from .propdefs import PropertyBook


class ReferenceData:
    """Reference tables of one generated dataset (regenerated with it, deterministic per seed)."""

    def __init__(self, spec: DatasetSpec) -> None:
        self.owners = OwnerDirectory(spec.seed)
        self.pipelines = PipelineBook()
        self.properties = PropertyBook(spec.wide_properties, self.pipelines)
