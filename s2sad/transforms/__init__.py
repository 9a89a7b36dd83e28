"""IR -> IR transforms: activity analysis, forward mode, reverse mode, clean-up."""
