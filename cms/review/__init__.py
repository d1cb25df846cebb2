"""cms/review"""
