"""Insight on serious violence: recorded crime imported from police.uk's published files,
shown to partners as counts under small-number disclosure control (DOMAIN.md §DISCLOSURE)."""
