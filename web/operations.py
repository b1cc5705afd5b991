"""Trusted documents: the only GraphQL the web UI runs, one named operation per
file in `web/operations/` (`ReportList.graphql` holds `query ReportList`).

Pages ask for an operation by name; there is no way to run a document that is
not in this folder. The files are read and checked once, at import."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from graphql import OperationDefinitionNode, parse


@dataclass(frozen=True)
class TrustedDocument:
    name: str
    text: str
    mutation: bool


class UnknownOperation(KeyError):
    """A page asked for an operation that is not a trusted document."""


def load_documents() -> dict[str, TrustedDocument]:
    """Every `operations/*.graphql`: exactly one operation, named as its file."""
    documents: dict[str, TrustedDocument] = {}
    folder = resources.files("web").joinpath("operations")
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".graphql"):
            continue
        name = entry.name.removesuffix(".graphql")
        text = entry.read_text(encoding="utf-8")
        operations = [
            node for node in parse(text).definitions if isinstance(node, OperationDefinitionNode)
        ]
        if len(operations) != 1 or operations[0].name is None:
            raise ValueError(f"{entry.name}: must hold exactly one named operation")
        if operations[0].name.value != name:
            raise ValueError(
                f"{entry.name}: the operation is named {operations[0].name.value}, not {name}"
            )
        documents[name] = TrustedDocument(
            name=name, text=text, mutation=operations[0].operation.value == "mutation"
        )
    return documents


DOCUMENTS = load_documents()


def document(name: str) -> TrustedDocument:
    try:
        return DOCUMENTS[name]
    except KeyError:
        raise UnknownOperation(f"no trusted document named {name!r} in web/operations") from None
