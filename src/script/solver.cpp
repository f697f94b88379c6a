// Placeholder: filled in by the owning change.
