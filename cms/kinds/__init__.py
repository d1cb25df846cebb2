"""cms/kinds"""
