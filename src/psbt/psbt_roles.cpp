// PSBT roles (placeholder while being written).
