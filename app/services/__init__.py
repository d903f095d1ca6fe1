"""Use cases: each public method is one transaction over store, engine and rules."""
