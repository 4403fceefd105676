"""fxo package."""
