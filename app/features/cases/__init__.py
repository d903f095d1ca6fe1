"""Cases: the case service and repository, views, documents, task hooks and notifications."""
