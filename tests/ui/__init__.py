"""UI tests (Textual Pilot)."""
