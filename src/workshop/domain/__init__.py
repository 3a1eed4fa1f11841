"""The domain: what a workshop session is, in the standard library only."""
