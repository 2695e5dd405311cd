"""After launch: ``gonogo monitor`` — the eval plan's judgement on production traffic.

:func:`monitor` runs one pass over the gateway store's traces (claimed per worker, durable
watermark), scores the sampled ones with the eval plan's reference-free scorers, groups
them into windows and raises alerts (below the bar; a drop from the launch baseline, with
false alarms controlled over 30 days of looks), delivered as an exit code, Prometheus
gauges, a Slack-compatible webhook and a launch-evidence entry.
"""

from ._run import (
    SCHEMA,
    SCHEMA_VERSION,
    MonitorOptions,
    monitor,
    post_webhook,
    prometheus,
    webhook_body,
)
from ._score import as_case, build_monitor_scorers, reference_free, sampled
from ._windows import AlertRule, alerts, drop_p_value, requests_to_detect, windows

__all__ = [
    "SCHEMA",
    "SCHEMA_VERSION",
    "AlertRule",
    "MonitorOptions",
    "alerts",
    "as_case",
    "build_monitor_scorers",
    "drop_p_value",
    "monitor",
    "post_webhook",
    "prometheus",
    "reference_free",
    "requests_to_detect",
    "sampled",
    "webhook_body",
    "windows",
]
