//! `tariffsim-data`: baselines (the embedded `world2024` table and loaders for user data), region and sector concordances and default elasticity priors, each with provenance.
