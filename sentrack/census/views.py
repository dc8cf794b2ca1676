"""Routes of this package (being built)."""
