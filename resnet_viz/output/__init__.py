"""Everything that touches the file system: safe writes, the report folder, the gallery."""
