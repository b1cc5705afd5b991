"""Federation's `_entities`, bounded and batched.

A gateway asks for at most KJEDE_MAX_ENTITIES representations at once (more is
BAD_USER_INPUT before anything runs). An entity type with a
`resolve_references(info, ids)` classmethod (AuditReport, Contract) is resolved
by one call for all its representations, so by one statement; the others
(Organization, Network, Facility, FocusArea) resolve each reference through the
request's DataLoaders, which also makes one statement per type. Either way a
reference goes through the same checks, row filter, disclosure and read log as
the root fields.
"""

from typing import Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.federation.schema import FederationAny
from strawberry.types.info import Info

from domain.errors import InvalidInput


class FederationSchema(strawberry.federation.Schema):
    """strawberry's federation schema with a bounded, batching `_entities`."""

    def __init__(self, *args: Any, max_entities: int, **kwargs: Any) -> None:
        self.max_entities = max_entities
        super().__init__(*args, **kwargs)

    def entities_resolver(
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        if len(representations) > self.max_entities:
            raise InvalidInput(
                "representations",
                f"at most {self.max_entities} per request, got {len(representations)}: "
                "send them in smaller batches",
            )
        loaders: dict[str, DataLoader[str, Any]] = {}
        results: list[Any] = []
        for representation in representations:
            batched = self._batched(info, representation, loaders)
            if batched is None:  # one at a time, as strawberry does it
                batched = super().entities_resolver(info, [representation])[0]
            results.append(batched)
        return results

    def _batched(
        self, info: Info, representation: object, loaders: dict[str, DataLoader[str, Any]]
    ) -> Any:
        """The reference's place in its type's batch, or None when its type has no
        batch resolver or the representation is not exactly `{__typename, id}`."""
        if not isinstance(representation, dict) or set(representation) != {"__typename", "id"}:
            return None
        type_name = representation["__typename"]
        type_ = (
            self.schema_converter.type_map.get(type_name) if isinstance(type_name, str) else None
        )
        definition = getattr(type_, "definition", None)
        resolve_references = getattr(
            getattr(definition, "origin", None), "resolve_references", None
        )
        if resolve_references is None:
            return None
        loader = loaders.get(type_name)
        if loader is None:

            async def load(ids: list[str]) -> list[Any]:
                return list(await resolve_references(info, ids))

            loader = loaders[type_name] = DataLoader(load_fn=load)
        return loader.load(str(representation["id"]))
