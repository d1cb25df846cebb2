"""Reading-room terminals (政府信息查阅终端, 条例 第二十五条): the per-terminal configuration."""
