"""Generic helpers with no knowledge of the dataset: Arrow column operations, text, files, git, progress bars.

The ground floor of the package: nothing here imports from any other sub-package.
"""
