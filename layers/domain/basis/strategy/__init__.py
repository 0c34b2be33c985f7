"""Each user's strategy: its parameters within the system's hard caps, its pause state and its store."""
