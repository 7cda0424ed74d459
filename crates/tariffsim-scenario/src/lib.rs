//! `tariffsim-scenario`: the TOML scenario language, turned into a validated timeline of tariff matrices.
