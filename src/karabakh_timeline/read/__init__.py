"""Reading: CSV bytes to string columns with physical lines (csv_file), typed cells (cells), typed tables (typed), the loaded Timeline.

Problems met while reading are issues, never exceptions; line numbers are physical CSV lines.
"""
