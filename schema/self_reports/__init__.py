"""Self-reports: a supplier answers once; its contracted bodies and grantees read."""

from schema.self_reports.mutations import SelfReportMutations
from schema.self_reports.queries import SelfReportQueries
from schema.self_reports.subscriptions import SelfReportSubscriptions
from schema.self_reports.types import SelfReport

__all__ = ["SelfReport", "SelfReportMutations", "SelfReportQueries", "SelfReportSubscriptions"]
