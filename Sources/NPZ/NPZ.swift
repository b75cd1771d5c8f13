/// NumPy arrays and archives.
