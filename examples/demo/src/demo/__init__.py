"""A small service with the concurrency habits corral fixes."""
