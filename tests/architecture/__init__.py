"""Architecture tests: the layer contracts of docs/architecture.md."""
