"""Failure diagnosis: what broke in a TD workflow attempt or job, and what to do."""
