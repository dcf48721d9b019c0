"""Adapters translate between the outside world (HTTP, Slack, the widget) and the core's Answer."""
