"""Distributed crawls: a Redis frontier shared by several workers, and the single ingester."""
