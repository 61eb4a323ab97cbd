"""Drug Dealing Telecommunications Restriction Orders, from application to resurfacing.

DOMAIN.md §DDTRO holds the law these rules rest on: who may apply, the test,
items, compliance time, duration, notice. Values that may change (ranks,
working days, providers, reminder days) are data files under ``data/``.
"""
