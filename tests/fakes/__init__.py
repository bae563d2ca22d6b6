"""Test doubles: local stand-ins for the services custodes talks to."""
