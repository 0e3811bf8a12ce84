"""Answering comments, grouping near-identical ones, and publishing the reactienota."""
