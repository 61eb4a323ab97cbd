"""What every module needs: settings, database, ids, clock, errors, pagination, catalogues."""
