"""cms/search"""
