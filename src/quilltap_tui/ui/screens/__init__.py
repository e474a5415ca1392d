"""The app's screens. Each is imported lazily when first opened, to keep start-up fast."""
