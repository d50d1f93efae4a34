"""The portal's reference data beside its records: owners and teams, pipelines and stages,
property definitions, lists and their members."""

from __future__ import annotations

from .generator import DatasetSpec
from .lists import ListBook
from .owners import OwnerDirectory
from .pipelines import PipelineBook
from .propdefs import PropertyBook
from .store import ObjectTable
from .util import now_ms


class ReferenceData:
    """Reference tables of one generated dataset (regenerated with it, deterministic per seed)."""

    def __init__(self, spec: DatasetSpec, tables: dict[str, ObjectTable]) -> None:
        self.owners = OwnerDirectory(spec.seed)
        self.pipelines = PipelineBook()
        self.properties = PropertyBook(spec.wide_properties, self.pipelines)
        self.lists = ListBook(spec.seed, tables, now_ms)
