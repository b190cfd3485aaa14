"""One module per verb; each a typed function that returns an exit code."""
