"""cms/content"""
