"""Corrective actions answered once: the supplier responds, the commissioning body
verifies. The mutations live in `mutations.py` (imported by the app schema);
the history type in `events.py` (a field of `CorrectiveAction`)."""
