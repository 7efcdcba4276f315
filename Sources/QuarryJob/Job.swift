// Quarry — the nightly job module.
