"""Acme's help-centre assistant: the application the refund-bot PRD evaluates."""
