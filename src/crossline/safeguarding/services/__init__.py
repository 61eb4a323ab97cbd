"""Safeguarding's rules: the only place they live. One module per kind of record;
``access`` decides who sees a young person's case."""
