"""Writes of the account fleet. Every other layer (API, admin, commands, tasks) calls these."""
