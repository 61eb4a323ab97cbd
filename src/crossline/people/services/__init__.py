"""The people module's services: an organisation's person records, and linkage between them."""
