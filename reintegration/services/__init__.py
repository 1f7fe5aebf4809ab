"""The reintegration app's services, one module per subject: `travel` (the journey home)."""
