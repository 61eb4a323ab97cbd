"""The synthetic county-lines world: records that look like what analysts receive,
with the ground truth written apart (``DIR/truth``). See docs/synthetic-world.md."""
