"""State changes. Services flush, never commit: the request or the job commits once."""
