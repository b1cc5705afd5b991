"""Document content: type checks, PDF cleaning, text extraction and shared renditions."""
