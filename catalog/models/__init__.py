"""The catalog app's models. Each sub-domain owns its models; Django finds them through this package."""

from catalog.aggregation.models import (
    AggregationBatch,
    BatchSource,
    BatchStatus,
)
from catalog.collection.models import (
    CollectionItem,
    Disposal,
    Emergency,
    SourceCheckStatus,
    SourceConflict,
    TemporaryCollection,
)
from catalog.interfaces.models import (
    InterfaceRequest,
    InterfaceRequestStatus,
    InterfaceStatus,
    ServiceInterface,
)

from .records import (
    RecordDeletion,
)
from .resources import (
    BASIC_CATEGORIES,
    FRESHNESS,
    Category,
    Classification,
    ClassLevel,
    DataFormat,
    DataItem,
    GradingLevel,
    ItemType,
    OpenType,
    Resource,
    ResourceStatus,
    ResourceStatusChange,
    ResourceVersion,
    ServiceMethod,
    ShareScope,
    ShareType,
    UpdateFrequency,
)

__all__ = [
    "AggregationBatch",
    "BASIC_CATEGORIES",
    "BatchSource",
    "BatchStatus",
    "Category",
    "Classification",
    "ClassLevel",
    "CollectionItem",
    "DataFormat",
    "DataItem",
    "Disposal",
    "Emergency",
    "FRESHNESS",
    "GradingLevel",
    "InterfaceRequest",
    "InterfaceRequestStatus",
    "InterfaceStatus",
    "ItemType",
    "OpenType",
    "RecordDeletion",
    "Resource",
    "ResourceStatus",
    "ResourceStatusChange",
    "ResourceVersion",
    "ServiceInterface",
    "ServiceMethod",
    "ShareScope",
    "ShareType",
    "SourceCheckStatus",
    "SourceConflict",
    "TemporaryCollection",
    "UpdateFrequency",
]
