/// Dataset layouts, the store and splits.
