"""Small helpers shared across tasks."""
