"""The schema keeps the names and types of API_CONTRACT.graphql (a copy lives in
tests/contract so nothing reads ../shared at run time).

Every contract type and field the schema implements must match exactly (type,
nullability, arguments and their defaults); what is not implemented yet is
listed below, so it is a visible decision rather than an accident.
"""

from __future__ import annotations

from pathlib import Path

from graphql import (
    FieldDefinitionNode,
    GraphQLInputObjectType,
    GraphQLObjectType,
    InputObjectTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    Undefined,
    parse,
    print_ast,
)

from schema.app_schema import build_schema
from settings import Settings

CONTRACT = Path(__file__).resolve().parents[1] / "contract" / "API_CONTRACT.graphql"


def contract_definitions() -> list[ObjectTypeDefinitionNode | InputObjectTypeDefinitionNode]:
    document = parse(CONTRACT.read_text())
    return [
        node
        for node in document.definitions
        if isinstance(node, ObjectTypeDefinitionNode | InputObjectTypeDefinitionNode)
    ]


def argument_signature(field: FieldDefinitionNode) -> dict[str, str]:
    return {
        arg.name.value: print_ast(arg.type)
        + (f" = {print_ast(arg.default_value)}" if arg.default_value else "")
        for arg in field.arguments or ()
    }


def test_implemented_types_match_the_contract() -> None:
    schema = build_schema(Settings())._schema
    problems: list[str] = []
    for node in contract_definitions():
        name = node.name.value
        ours = schema.type_map.get(name)
        if ours is None:
            problems.append(f"type {name} is missing")
            continue
        assert isinstance(ours, GraphQLObjectType | GraphQLInputObjectType)
        for field in node.fields or ():
            path = f"{name}.{field.name.value}"
            mine = ours.fields.get(field.name.value)
            if mine is None:
                problems.append(f"{path} is missing")
                continue
            if str(mine.type) != print_ast(field.type):
                problems.append(f"{path}: {mine.type} != contract {print_ast(field.type)}")
            if isinstance(field, FieldDefinitionNode):
                expected = argument_signature(field)
                actual = {
                    arg_name: str(arg.type)
                    + (
                        f" = {arg.default_value}"
                        if arg.default_value not in (Undefined, None)
                        else ""
                    )
                    for arg_name, arg in mine.args.items()  # type: ignore[union-attr]
                    if arg_name in expected
                }
                if actual != expected:
                    problems.append(f"{path} arguments: {actual} != contract {expected}")
                missing_args = set(expected) - set(actual)
                if missing_args:
                    problems.append(f"{path} lacks arguments {sorted(missing_args)}")
    assert problems == []
