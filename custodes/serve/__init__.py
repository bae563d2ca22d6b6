"""serve stage (see docs/)."""
