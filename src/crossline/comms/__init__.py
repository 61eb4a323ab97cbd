"""Importing communications data: profiles, normalisation, quarantine, the Parquet store."""
