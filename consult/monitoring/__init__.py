"""National monitoring: the overview of every region, its map and exports."""
