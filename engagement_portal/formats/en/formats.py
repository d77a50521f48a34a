"""English: Django's own, except that times end without a full stop.

Django writes times "6:30 p.m." (format P), and every sentence that ends with a time then
ends "6:30 p.m.." (issue 17, item 12). "6:30 PM" reads as well and ends cleanly.
"""

TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "N j, Y, g:i A"
