"""Reporting queries over the read model: the dashboard, work queues, case metrics and the SEN2 return."""
