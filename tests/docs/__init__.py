"""Tests of the documentation: the API reference's coverage, the snippets and the examples."""
