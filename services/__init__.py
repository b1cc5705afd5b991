"""Use cases, one module per capability: each takes a Scope and returns plain values."""
