"""Requests for disclosure (依申请公开, 条例 第二十七至四十五条): intake, deadlines, handling and replies."""
