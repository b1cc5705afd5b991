"""Demo and benchmark worlds, behind `kjede demo [--scale N]`.

`seed_demo` builds a small, realistic world from DESIGN.md through the same
bootstrap functions an operator uses, so every organisation number is validated
(`world`, with one module per part: `organizations`, `facilities`, `networks`,
`contracts`, `engagements`, `audit_reports`); it leaves the reports the story
publishes SUBMITTED, and `publish_demo` (`publishing`) publishes them through
`services.report_publishing.publish_report`, as a user would: guard, renditions,
audit entries. `kjede demo` runs both.

`seed_scale` builds a synthetic national-scale world for benchmarks with bulk
inserts: it computes valid numbers itself (`numbering`) and never queries per row
(`scale`, with its `scale_*` modules). It is a benchmark fixture, not a demo: its
rows are written directly, so its PUBLISHED reports have no renditions and no
audit entries.
"""

from services.demo.contracts import DEMO_CONTRACTS
from services.demo.facilities import DEMO_EDGES, DEMO_FACILITIES, DemoSite
from services.demo.networks import FOCUS_AREA_TITLE, FRAMEWORK_NAME, NATIONAL_NETWORK_NAME
from services.demo.numbering import org_numbers
from services.demo.organizations import DEMO_ORGS, DEMO_USERS, DemoOrg
from services.demo.publishing import Publisher, publish_demo
from services.demo.scale import ScaleStats, seed_scale
from services.demo.world import DemoUser, DemoWorld, load_demo, seed_demo

__all__ = [
    "DEMO_CONTRACTS",
    "DEMO_EDGES",
    "DEMO_FACILITIES",
    "DEMO_ORGS",
    "DEMO_USERS",
    "FOCUS_AREA_TITLE",
    "FRAMEWORK_NAME",
    "NATIONAL_NETWORK_NAME",
    "DemoOrg",
    "DemoSite",
    "DemoUser",
    "DemoWorld",
    "Publisher",
    "ScaleStats",
    "load_demo",
    "org_numbers",
    "publish_demo",
    "seed_demo",
    "seed_scale",
]
