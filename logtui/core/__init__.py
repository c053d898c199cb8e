"""The core: no Textual imports here (HTTP client, runtimes, time ranges, config, paths)."""
