"""Parallax: how different news outlets framed the same story."""
