"""The tools on top: the ``otel-llmlog`` command (convert, the log explorer, demo, reference output)."""
