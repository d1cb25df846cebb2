"""cms/attachments"""
