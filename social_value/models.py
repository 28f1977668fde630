"""Social value commitments and delivery, and the local spend analysis (issues 4 and 5)."""
