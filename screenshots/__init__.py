"""The README's screenshots, made from the real app: `python -m screenshots` (see make.py)."""
