"""A meeting's mail: one layout in its name and colours, its sender and reply-to, texts organisers edit."""
