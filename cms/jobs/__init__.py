"""Work done by one node of several: a lease in MongoDB with fencing tokens, the periodic jobs run
under it, and the versioned migrations run at start-up."""
