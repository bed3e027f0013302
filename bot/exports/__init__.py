"""Exports of rounds and pillars: CSV, XLSX, a DOCX knowledge agenda and PNG charts.

Pure rendering: every module here turns records into bytes and touches no database, so the
light `formats` module can be imported without loading openpyxl, python-docx or matplotlib.
"""
