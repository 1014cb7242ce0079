"""`vrlkg import`: read a source list, match its entries to our works, draft the new ones."""
