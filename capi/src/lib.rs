// placeholder: filled in by this crate's issue
