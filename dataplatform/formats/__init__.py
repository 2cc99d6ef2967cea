"""Dates, times and numbers shown one way in both languages (FORMAT_MODULE_PATH): 2026-12-03, 2026-12-03 15:57,
and a comma every three digits (108,010), as government forms write them. Django's own Simplified Chinese
formats would print "2026年12月3日" where a template forgets its ``date`` filter, and group numbers by none."""
