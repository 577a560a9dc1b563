"""Text analysis as pure functions: sentences, lexicon, quotations, conditions, speakers, conflicts."""
