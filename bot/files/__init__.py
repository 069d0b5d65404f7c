"""Customer and supplier files: read a CSV or .xlsx list, screen every row, write results."""
