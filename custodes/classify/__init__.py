"""classify stage (see docs/)."""
