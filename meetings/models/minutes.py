"""Live minutes, motions, ballots, resolutions and follow-up actions."""
