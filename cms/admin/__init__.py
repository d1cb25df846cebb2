"""cms/admin"""
