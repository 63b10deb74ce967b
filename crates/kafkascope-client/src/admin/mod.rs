//! Admin layer.
