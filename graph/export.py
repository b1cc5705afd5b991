"""Exports of one viewer's view: GraphML (every node with an edge in the view,
every edge) and GeoJSON (facilities with coordinates as points, edges between
two of them as lines). Only what the view holds is written."""

from __future__ import annotations

import json
import math
from typing import Any

import networkx as nx
import numpy as np

from graph.supply import FACILITY, ORGANIZATION, GraphView


def _nodes(view: GraphView) -> list[int]:
    graph = view.graph
    edges = view.out_edges
    return np.unique(np.concatenate([graph.source[edges], graph.target[edges]])).tolist()  # type: ignore[no-any-return]


def _node_attributes(view: GraphView, node: int) -> dict[str, Any]:
    graph = view.graph
    attributes: dict[str, Any] = {
        "kind": FACILITY if graph.is_facility[node] else ORGANIZATION,
        "name": graph.names[node],
        "risk_score": float(view.risk[node]),
        "risk_known": bool(view.risk_known[node]),
        "is_buyer": bool(graph.is_buyer[node]),
    }
    if graph.countries[node]:
        attributes["country"] = graph.countries[node]
    return attributes


def to_graphml(view: GraphView) -> str:
    """GraphML text. GraphML has no null: a missing value is left out."""
    graph = view.graph
    export = nx.MultiDiGraph()
    for node in _nodes(view):
        export.add_node(graph.ids[node], **_node_attributes(view, node))
    names = graph.category_names
    for edge in view.out_edges.tolist():
        attributes: dict[str, Any] = {
            "relation": "supplies" if graph.edge_kind[edge] == 0 else "contract"
        }
        if graph.category[edge] >= 0:
            attributes["product_category"] = names[int(graph.category[edge])]
        export.add_edge(
            graph.ids[int(graph.source[edge])], graph.ids[int(graph.target[edge])], **attributes
        )
    return "\n".join(nx.generate_graphml(export, named_key_ids=True))


def to_geojson(view: GraphView) -> str:
    """A GeoJSON FeatureCollection (RFC 7946: [longitude, latitude])."""
    graph = view.graph
    features: list[dict[str, Any]] = []
    placed: set[int] = set()
    for node in _nodes(view):
        latitude, longitude = float(graph.latitude[node]), float(graph.longitude[node])
        if not graph.is_facility[node] or math.isnan(latitude) or math.isnan(longitude):
            continue
        placed.add(node)
        features.append(
            {
                "type": "Feature",
                "id": graph.ids[node],
                "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
                "properties": _node_attributes(view, node),
            }
        )
    names = graph.category_names
    for edge in view.out_edges.tolist():
        source, target = int(graph.source[edge]), int(graph.target[edge])
        if source not in placed or target not in placed:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [
                        [float(graph.longitude[end]), float(graph.latitude[end])]
                        for end in (source, target)
                    ],
                },
                "properties": {
                    "source": graph.ids[source],
                    "target": graph.ids[target],
                    "product_category": names[int(graph.category[edge])]
                    if graph.category[edge] >= 0
                    else None,
                },
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
