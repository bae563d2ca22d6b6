"""sync stage (see docs/)."""
