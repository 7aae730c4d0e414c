"""The `aqe` command line."""
