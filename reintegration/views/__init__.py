"""The reintegration app's pages, one module per subject: `travel` (the journey home)."""
