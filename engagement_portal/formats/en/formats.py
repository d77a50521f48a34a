"""English: Django's own, except that times end without a full stop, and the short date
that drop-downs show is written as on the rest of the site (issue 17, item 12).

Django writes times "6:30 p.m." (format P), and every sentence that ends with a time then
ends "6:30 p.m.." . "6:30 PM" reads as well and ends cleanly. Its short date is numeric
("12/05/2026"), which reads differently on each side of the Atlantic.
"""

TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "N j, Y, g:i A"
SHORT_DATE_FORMAT = "D j M Y"
