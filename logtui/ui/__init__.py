"""The Textual UI: a thin layer over logtui.core."""
