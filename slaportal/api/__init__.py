"""Shared REST API machinery: JSON errors, pagination, the account-scoped base views."""
