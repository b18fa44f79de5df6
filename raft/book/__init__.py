"""Small helpers for the book's chapters: calculations and measurements that a chapter shows.

Each module here is used by one or two chapters and tested in ``tests/``; the chapters import
them so that the maths and the experiments are real code, not numbers typed into the text.
"""
