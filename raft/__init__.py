"""A readable Raft and a deterministic cluster simulator."""
