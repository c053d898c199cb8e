"""Widgets of the logtui UI."""
