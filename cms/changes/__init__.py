"""The public change feed and the webhooks that follow it."""
