"""Screens of the logtui UI."""
