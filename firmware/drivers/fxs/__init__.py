"""fxs package."""
