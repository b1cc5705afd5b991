"""The disclosure kernel: what of a classified record a viewer may read.

Each classified record type declares one `Policy` (see `authz.records`):
- how a viewer relates to a row: `(Relation, Predicate)` pairs, strongest first,
  evaluated in Python (`Policy.relation`) and compiled to the SQL row filter
  (`row_filter`) from the same rule;
- the classification of every field (`FieldRule`), and which relations may read
  a field above their clearance (the audited supplier's findings);
- nested records (`children`), disclosed with the parent's clearance.

`disclose(values, policy, clearance)` returns plain frozen values and the paths
it withheld. Default deny: a field without a rule is withheld (and listed), so a
column added to a model stays inside until someone classifies it. `HIDDEN`
fields are internal (keys, audit columns): never disclosed, never listed.

docs/architecture.md explains how to add a classified type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cache, cached_property
from operator import itemgetter
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, false, inspect, or_

from authz.sql import ColumnOf, to_sql
from authz.viewer import ViewerFacts
from domain.enums import Classification
from domain.predicates import Judge, Predicate, facts_of, first_holding
from storage.kept import Kept


class Relation(StrEnum):
    """How a viewer stands to a record, strongest first."""

    PARTY = "PARTY"  # e.g. the commissioning body or authoring auditor; a contract's parties
    SUPPLIER = "SUPPLIER"  # the audited supplier
    SCOPE_MEMBER = "SCOPE_MEMBER"  # inside the share scope
    BUYER = "BUYER"  # a public body with an active contract (a supplier's self-reports)
    GRANTEE = "GRANTEE"  # holds an unrevoked grant from the supplier (self-reports)
    PUBLIC = "PUBLIC"  # anyone, for a PUBLIC record
    NONE = "NONE"


@dataclass(frozen=True)
class FieldRule:
    level: Classification
    # Relations that read this field although their clearance is lower (never PERSONAL).
    also: frozenset[Relation] = frozenset()
    # Internal: never leaves the service layer and is not listed as withheld.
    hidden: bool = False


PUBLIC = FieldRule(Classification.PUBLIC)
SHARED = FieldRule(Classification.SHARED)
RESTRICTED = FieldRule(Classification.RESTRICTED)
PERSONAL = FieldRule(Classification.PERSONAL)
HIDDEN = FieldRule(Classification.PERSONAL, hidden=True)


@dataclass(frozen=True)
class Clearance:
    """The highest classification a viewer may read of one record, and why."""

    level: Classification
    relation: Relation

    def allows(self, rule: FieldRule) -> bool:
        if rule.hidden:
            return False
        if self.relation in rule.also:
            return rule.level is not Classification.PERSONAL
        return rule.level.rank <= self.level.rank


DEFAULT_LEVELS: Mapping[Relation, Classification] = MappingProxyType(
    {
        Relation.PARTY: Classification.RESTRICTED,
        Relation.SUPPLIER: Classification.SHARED,
        Relation.SCOPE_MEMBER: Classification.SHARED,
        Relation.PUBLIC: Classification.PUBLIC,
    }
)


@dataclass(frozen=True)
class Policy:
    record: str  # the subject type on the audit log, e.g. "audit_report"
    fields: Mapping[str, FieldRule]
    relations: tuple[tuple[Relation, Predicate], ...] = ()
    levels: Mapping[Relation, Classification] = field(default_factory=lambda: DEFAULT_LEVELS)
    # Relations that read PERSONAL fields when the viewer's role allows it.
    personal: frozenset[Relation] = frozenset({Relation.PARTY})
    children: Mapping[str, Policy] = field(default_factory=dict)

    def relation(self, row: object, facts: ViewerFacts) -> Relation:
        return self._judge(row, facts)

    @cached_property
    def _judge(self) -> Judge[Relation]:
        """`relations` compiled once: the first relation whose rule `holds`."""
        return first_holding(self.relations, Relation.NONE)

    @property
    def facts_read(self) -> tuple[str, ...]:
        """The viewer facts the relations' rules read, in a fixed order."""
        found = self._facts_read
        if found[0] is not self.relations:  # a test swapped the rules
            self.__dict__.pop("_facts_read")
            found = self._facts_read
        return found[1]

    @cached_property
    def _facts_read(self) -> tuple[object, tuple[str, ...]]:
        names = frozenset().union(*(facts_of(rule) for _, rule in self.relations))
        return self.relations, tuple(sorted(names))

    def clearance_for(self, relation: Relation, facts: ViewerFacts) -> Clearance | None:
        if relation is Relation.NONE:
            return None
        return self._clearances[relation, relation in self.personal and facts.reads_personal]

    @cached_property
    def _clearances(self) -> Mapping[tuple[Relation, bool], Clearance]:
        """Each clearance made once (by relation, and whether PERSONAL is read):
        a page discloses each row at one of them."""
        return {
            (relation, personal): Clearance(
                Classification.PERSONAL if personal else level, relation
            )
            for relation, level in self.levels.items()
            for personal in (False, True)
        }

    def clearance(self, row: object, facts: ViewerFacts) -> Clearance | None:
        """None when the viewer may not see the row at all."""
        return self.clearance_for(self.relation(row, facts), facts)

    def readers(self) -> Iterator[Clearance]:
        """Every clearance a relation of this policy can have, PERSONAL included."""
        for relation in self.levels:
            yield Clearance(self.levels[relation], relation)
            if relation in self.personal:
                yield Clearance(Classification.PERSONAL, relation)


def row_filter(policy: Policy, facts: ViewerFacts, column: ColumnOf) -> ColumnElement[bool]:
    """SQL: the row's relation to the viewer is not NONE.

    Built once per policy, column mapping and values of the facts the policy's
    rules read (`ROW_FILTERS` of them are kept): viewers of one organisation share
    it, and a request does not rebuild the clause its statement filters with. A
    rule that reads the request's clock (`now`) makes a clause of its own each time."""
    read = policy.facts_read
    key = (id(policy), column, tuple([getattr(facts, name, None) for name in read]))
    found = _ROW_FILTERS.get(key, policy.relations)
    if found is not None:
        return found
    clause = or_(false(), *(to_sql(rule, column, facts) for _, rule in policy.relations))
    if "now" in read:
        return clause
    return _ROW_FILTERS.put(key, policy.relations, clause)


_ROW_FILTERS: Kept[ColumnElement[bool]] = Kept(1024)


def cleared_filter(
    policy: Policy, facts: ViewerFacts, column: ColumnOf, rule: FieldRule
) -> ColumnElement[bool]:
    """SQL: rows on which the viewer's clearance covers a field with `rule`.

    Clearances fall with the relations' order (a test checks every policy), so
    the relations that allow the field can simply be OR-ed."""
    allowed = [
        to_sql(predicate, column, facts)
        for relation, predicate in policy.relations
        if (cleared := policy.clearance_for(relation, facts)) and cleared.allows(rule)
    ]
    return or_(false(), *allowed)


@dataclass(frozen=True)
class Disclosed:
    """What a viewer may read of one record: plain values, and the withheld paths."""

    record: str
    values: Mapping[str, Any]
    withheld: tuple[str, ...]
    clearance: Clearance
    policy: Policy = field(repr=False, compare=False)
    plan: _Plan | None = field(default=None, repr=False, compare=False)  # how it was made

    def __getitem__(self, name: str) -> Any:
        """The value, or None when withheld (the reason is in `withheld`)."""
        return self.values.get(name)

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def all_withheld(self) -> list[str]:
        """Withheld paths of this record and of every disclosed child."""
        paths = list(self.withheld)
        for name in self.policy.children:  # only children hold Disclosed values
            value = self.values.get(name)
            for child in value if isinstance(value, tuple) else (value,):
                if isinstance(child, Disclosed):
                    paths.extend(child.all_withheld())
        return paths


def disclose(
    values: Mapping[str, Any], policy: Policy, clearance: Clearance, path: str = ""
) -> Disclosed:
    """Keep the fields `clearance` covers; withhold every other one (default deny).

    A child (a key in `policy.children`) is a mapping or a sequence of mappings,
    disclosed with the same clearance under `path`; the withheld list depends
    on the clearance and the keys only, never on whether a value is present."""
    return _disclose(values, _plan(policy, clearance), path)


def _disclose(values: Mapping[str, Any], plan: _Plan, path: str) -> Disclosed:
    layout = plan.layout(tuple(values))
    kept = dict(zip(layout.kept, layout.pick(values), strict=True))
    for name, label, child in layout.children:
        value = kept[name]
        if value is None:
            continue
        prefix = path + label
        if type(value) is dict or (type(value) is not list and isinstance(value, Mapping)):
            kept[name] = _disclose(value, child, prefix)
        else:
            kept[name] = tuple(
                [_disclose(item, child, f"{prefix}{index}.") for index, item in enumerate(value)]
            )
    withheld = layout.withheld
    if path and withheld:
        withheld = tuple([path + name for name in withheld])
    return Disclosed(
        plan.policy.record, MappingProxyType(kept), withheld, plan.clearance, plan.policy, plan
    )


@dataclass(frozen=True)
class _Layout:
    """What `disclose` does with one sequence of keys (the rows of one statement
    share it): decided once, so disclosing a row copies the kept values only."""

    kept: tuple[str, ...]  # in the values' order, children included
    children: tuple[tuple[str, str, _Plan], ...]  # (name, its path segment "name.", plan)
    withheld: tuple[str, ...]  # GraphQL names, in the values' order
    pick: Callable[[Mapping[str, Any]], Sequence[Any]]  # the kept values, in one C call


def _picker(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], Sequence[Any]]:
    if len(names) == 1:  # itemgetter of one key answers the value, not a tuple
        only = names[0]
        return lambda values: (values[only],)
    return itemgetter(*names) if names else lambda _values: ()


MAX_LAYOUTS = 64  # key sequences per plan; they come from code, so this is a guard


@dataclass(frozen=True, eq=False)
class _Plan:
    """What `disclose` does with each field of a policy at one clearance."""

    policy: Policy
    fields: Mapping[str, FieldRule]  # the policy's rules it was made from
    clearance: Clearance
    keep: frozenset[str]
    hidden: frozenset[str]
    children: Mapping[str, _Plan]  # the readable children, at the same clearance
    sensitive: tuple[tuple[str, Classification], ...]  # kept, RESTRICTED or above (GraphQL names)
    layouts: dict[tuple[str, ...], _Layout] = field(default_factory=dict)
    # By selection: (own most sensitive, most sensitive with the children's).
    sensitivity: dict[frozenset[str], tuple[Classification | None, Classification | None]] = field(
        default_factory=dict
    )

    def current(self, policy: Policy) -> bool:
        """Made from `policy` as it is now. Policies are frozen; a test that swaps
        a policy's rules (`object.__setattr__`) gets a new plan for it."""
        return self.policy is policy and self.fields is policy.fields

    def layout(self, keys: tuple[str, ...]) -> _Layout:
        found = self.layouts.get(keys)
        if found is not None:
            return found
        if len(self.layouts) >= MAX_LAYOUTS:
            self.layouts.clear()
        children = self.children
        kept = tuple(name for name in keys if name in self.keep or name in children)
        found = self.layouts[keys] = _Layout(
            kept=kept,
            children=tuple(
                (name, f"{camel(name)}.", children[name]) for name in keys if name in children
            ),
            withheld=tuple(
                camel(name)
                for name in keys
                if name not in self.keep and name not in self.hidden and name not in children
            ),
            pick=_picker(kept),
        )
        return found

    def sensitivity_of(
        self, selected: frozenset[str]
    ) -> tuple[Classification | None, Classification | None]:
        """The most sensitive of this record's own kept fields among `selected`, and
        the most sensitive such field this record and its children can hold."""
        found = self.sensitivity.get(selected)
        if found is not None:
            return found
        own = _most([level for name, level in self.sensitive if name in selected])
        below = [child.sensitivity_of(selected)[1] for child in self.children.values()]
        found = own, _most([own, *below])
        if len(self.sensitivity) >= MAX_LAYOUTS:
            self.sensitivity.clear()
        self.sensitivity[selected] = found
        return found


def _most(levels: Iterable[Classification | None]) -> Classification | None:
    return max(
        (level for level in levels if level is not None),
        key=lambda level: level.rank,
        default=None,
    )


_PLANS: dict[tuple[int, Clearance], _Plan] = {}


def _plan(policy: Policy, clearance: Clearance) -> _Plan:
    """Decided once per policy and clearance: disclosing a page is a set lookup per field."""
    fast = _PLANS_BY_IDENTITY.get((id(policy), id(clearance)))
    if fast is not None and fast.clearance is clearance and fast.current(policy):
        return fast
    key = (id(policy), clearance)
    plan = _PLANS.get(key)
    if plan is not None and plan.current(policy):
        _remember(policy, clearance, plan)
        return plan
    allowed = {name for name, rule in policy.fields.items() if clearance.allows(rule)}
    plan = _Plan(
        policy=policy,
        fields=policy.fields,
        clearance=clearance,
        keep=frozenset(allowed - set(policy.children)),
        hidden=frozenset(name for name, rule in policy.fields.items() if rule.hidden),
        children=MappingProxyType(
            {
                name: _plan(child, clearance)
                for name, child in policy.children.items()
                if name in allowed
            }
        ),
        sensitive=tuple(
            (camel(name), policy.fields[name].level)
            for name in sorted(allowed)
            if policy.fields[name].level.rank >= Classification.RESTRICTED.rank
        ),
    )
    _PLANS[key] = plan
    _remember(policy, clearance, plan)
    return plan


_PLANS_BY_IDENTITY: dict[tuple[int, int], _Plan] = {}
"""The same plans by the clearance object's identity: policies hand out one
Clearance per relation (`Policy.clearance_for`), so most look-ups need no hashing."""


def _remember(policy: Policy, clearance: Clearance, plan: _Plan) -> None:
    if len(_PLANS_BY_IDENTITY) >= 4096:  # clearances made elsewhere (tests): a bound
        _PLANS_BY_IDENTITY.clear()
    _PLANS_BY_IDENTITY[id(policy), id(clearance)] = plan


def sensitive_read(disclosed: Disclosed, selected: frozenset[str]) -> Classification | None:
    """The most sensitive classification among the selected fields this viewer
    received, when it is RESTRICTED or PERSONAL (such a read is logged)."""
    plan = disclosed.plan or _plan(disclosed.policy, disclosed.clearance)
    level, most = plan.sensitivity_of(selected)
    if level is most:  # nothing below can raise it
        return level
    for name in plan.children:
        value = disclosed.values.get(name)
        for child in value if isinstance(value, tuple) else (value,):
            if isinstance(child, Disclosed):
                found = sensitive_read(child, selected)
                if found is not None and (level is None or found.rank > level.rank):
                    level = found
    return level


@cache
def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def row_values(row: Any, names: Sequence[str] | None = None) -> dict[str, Any]:
    """Every mapped column of an ORM row by attribute name: a column the policy
    does not know is then withheld, not silently skipped."""
    keys = names if names is not None else column_names(row.__class__)
    loaded = row.__dict__  # loaded columns, without the attribute machinery
    return {name: loaded[name] if name in loaded else getattr(row, name) for name in keys}


@cache
def column_names(model: type[Any]) -> tuple[str, ...]:
    return tuple(str(attribute.key) for attribute in inspect(model).column_attrs)


def free_texts(disclosed: Disclosed, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, text) of every free-text value a disclosed record carries: what the
    personal-data guard reads. Ids and enum values are not free text."""
    for name, value in disclosed.values.items():
        key = path + camel(name)
        if isinstance(value, Disclosed):
            yield from free_texts(value, key + ".")
        elif isinstance(value, tuple):
            for index, child in enumerate(value):
                if isinstance(child, Disclosed):
                    yield from free_texts(child, f"{key}.{index}.")
        elif type(value) is str and value and name != "id" and not name.endswith("_id"):
            yield key, value


def outside_parties(policy: Policy) -> list[Clearance]:
    """Every clearance a viewer who is not a party to the record can hold."""
    return [cleared for cleared in policy.readers() if cleared.relation is not Relation.PARTY]


def to_plain(disclosed: Disclosed) -> dict[str, Any]:
    """JSON-ready values under GraphQL names (what renditions print): withheld
    fields are present as None, and the top level lists every withheld path."""
    plain = _plain_record(disclosed)
    plain["redactedFields"] = disclosed.all_withheld()
    plain["clearance"] = disclosed.clearance.level.value
    return plain


def _plain_record(disclosed: Disclosed) -> dict[str, Any]:
    plain: dict[str, Any] = {path.rsplit(".", 1)[-1]: None for path in disclosed.withheld}
    for name, value in disclosed.values.items():
        plain[camel(name)] = _plain_value(value)
    return plain


def _plain_value(value: Any) -> Any:
    if isinstance(value, Disclosed):
        return _plain_record(value)
    if isinstance(value, tuple):
        return [_plain_value(item) for item in value]
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    return value
