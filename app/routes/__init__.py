"""Thin HTTP: parse, call a service, render a page or a block."""
